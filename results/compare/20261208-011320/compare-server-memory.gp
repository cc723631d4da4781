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
set yrange [16.5208:26473]
set logscale y
plot 'compare-server-memory.dat' index 0 using ($1*0.93325):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 3 runs, fit slope 7.97 B [7.86–7.97]', \
  'compare-server-memory.dat' index 1 using ($1*0.95940):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 3 runs, fit slope 24.0 B [23.9–24.0]', \
  'compare-server-memory.dat' index 2 using ($1*0.98628):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 3 runs, fit slope 275 B [275–275]', \
  'compare-server-memory.dat' index 3 using ($1*1.01391):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'poll, 3 runs, fit slope 15.8 B [15.6–15.8]', \
  'compare-server-memory.dat' index 4 using ($1*1.04232):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'select, 3 runs, fit slope 8.27 B [8.24–8.31]', \
  'compare-server-memory.dat' index 5 using ($1*1.07152):2:3:4 with yerrorlines lc rgb '#8c564b' pt 15 ps 1.3 title 'thread-per-core, 3 runs, fit slope 8.08 B [8.04–8.26]'
