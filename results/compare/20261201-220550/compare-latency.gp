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
set ytics ("20k" 20000, "50k" 50000, "100k" 100000, "200k" 200000, "500k" 500000, "1M" 1e+06)
set yrange [17202.4:1.55648e+06]
set logscale y
plot 'compare-latency.dat' index 0 using ($1*0.97275):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 2 runs', \
  'compare-latency.dat' index 1 using ($1*1.00000):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'poll, 2 runs', \
  'compare-latency.dat' index 2 using ($1*1.02802):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'select, 2 runs'
