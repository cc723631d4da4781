# compare-latency.png from compare-latency.dat: gnuplot compare-latency.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-latency.png'
set title "connect latency p99 during each step\nmedian over each backend's runs, bars: min-max"
set xlabel 'connections held (log scale)'
set ylabel 'connect latency p99 (µs, log scale)'
set logscale x
set xrange [666.667:1.5e+06]
set format x '%.0s%c'
set ytics ("10k" 10000, "20k" 20000, "50k" 50000, "100k" 100000, "200k" 200000, "500k" 500000)
set yrange [7372:860159]
set logscale y
plot 'compare-latency.dat' index 0 using ($1*0.93325):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 1 run', \
  'compare-latency.dat' index 1 using ($1*0.95940):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 1 run', \
  'compare-latency.dat' index 2 using ($1*0.98628):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 1 run', \
  'compare-latency.dat' index 3 using ($1*1.01391):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'poll, 1 run', \
  'compare-latency.dat' index 4 using ($1*1.04232):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'select, 1 run', \
  'compare-latency.dat' index 5 using ($1*1.07152):2:3:4 with yerrorlines lc rgb '#8c564b' pt 15 ps 1.3 title 'thread-per-core, 1 run'
