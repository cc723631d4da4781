# compare-server-memory.png from compare-server-memory.dat: gnuplot compare-server-memory.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-server-memory.png'
set title "server user memory per connection (PSS / connections held)\nmedian over each backend's runs, bars: min-max"
set xlabel 'connections held (log scale)'
set ylabel 'server user memory per connection (bytes, log scale)'
set logscale x
set xrange [666.667:1.5e+06]
set format x '%.0s%c'
set ytics ("100" 100, "1k" 1000, "10k" 10000)
set yrange [15.8999:26284.8]
set logscale y
plot 'compare-server-memory.dat' index 0 using ($1*0.94624):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 3 runs, fit slope 7.83 B [7.82–7.86]', \
  'compare-server-memory.dat' index 1 using ($1*0.97275):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 3 runs, fit slope 61.5 B [61.5–61.6]', \
  'compare-server-memory.dat' index 2 using ($1*1.00000):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 3 runs, fit slope 275 B [275–275]', \
  'compare-server-memory.dat' index 3 using ($1*1.02802):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'select, 3 runs, fit slope -0.003 B [-0.180–0.136]', \
  'compare-server-memory.dat' index 4 using ($1*1.05682):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'thread-per-core, 3 runs, fit slope 7.95 B [7.93–7.98]'
