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
set yrange [16.0915:26371.8]
set logscale y
plot 'compare-server-memory.dat' index 0 using ($1*0.93325):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 1 run, fit slope 7.84 B', \
  'compare-server-memory.dat' index 1 using ($1*0.95940):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 1 run, fit slope 23.9 B', \
  'compare-server-memory.dat' index 2 using ($1*0.98628):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 1 run, fit slope 275 B', \
  'compare-server-memory.dat' index 3 using ($1*1.01391):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'poll, 1 run, fit slope 15.7 B', \
  'compare-server-memory.dat' index 4 using ($1*1.04232):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'select, 1 run, fit slope 5.99 B', \
  'compare-server-memory.dat' index 5 using ($1*1.07152):2:3:4 with yerrorlines lc rgb '#8c564b' pt 15 ps 1.3 title 'thread-per-core, 1 run, fit slope 7.95 B'
