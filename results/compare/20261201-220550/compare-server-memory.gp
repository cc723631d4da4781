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
set ytics ("20" 20, "50" 50, "100" 100, "200" 200, "500" 500, "1k" 1000, "2k" 2000, "5k" 5000, "10k" 10000, "20k" 20000)
set yrange [16.1227:22910.7]
set logscale y
plot 'compare-server-memory.dat' index 0 using ($1*0.97275):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 2 runs, fit slope 7.82 B [7.80–7.84]', \
  'compare-server-memory.dat' index 1 using ($1*1.00000):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'poll, 2 runs, fit slope 15.7 B [15.7–15.7]', \
  'compare-server-memory.dat' index 2 using ($1*1.02802):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'select, 2 runs, fit slope 0.010 B [-0.007–0.028]'
