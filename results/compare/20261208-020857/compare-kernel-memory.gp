# compare-kernel-memory.png from compare-kernel-memory.dat: gnuplot compare-kernel-memory.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-kernel-memory.png'
set title "kernel memory per connection (Slab growth / connections, both loopback ends)\nmedian over each backend's runs, bars: min-max"
set xlabel 'connections held (log scale)'
set ylabel 'kernel memory per connection (bytes)'
set logscale x
set xrange [666.667:1.5e+06]
set format x '%.0s%c'
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set format y '%.0s%c'
plot 'compare-kernel-memory.dat' index 0 using ($1*0.93325):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 1 run, fit slope 9,754 B', \
  'compare-kernel-memory.dat' index 1 using ($1*0.95940):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 1 run, fit slope 9,529 B', \
  'compare-kernel-memory.dat' index 2 using ($1*0.98628):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 1 run, fit slope 9,767 B', \
  'compare-kernel-memory.dat' index 3 using ($1*1.01391):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'poll, 1 run, fit slope 9,623 B', \
  'compare-kernel-memory.dat' index 4 using ($1*1.04232):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'select, 1 run, fit slope 9,154 B', \
  'compare-kernel-memory.dat' index 5 using ($1*1.07152):2:3:4 with yerrorlines lc rgb '#8c564b' pt 15 ps 1.3 title 'thread-per-core, 1 run, fit slope 9,743 B'
