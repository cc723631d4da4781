# compare-kernel-memory.png from compare-kernel-memory.dat: gnuplot compare-kernel-memory.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-kernel-memory.png'
set title "kernel memory per connection (Slab growth / connections, both loopback ends)\nmedian over each backend's runs, bars: min-max"
set xlabel 'connections held (log scale)'
set ylabel 'kernel memory per connection (bytes, log scale)'
set logscale x
set xrange [666.667:1.5e+06]
set format x '%.0s%c'
set ytics ("5k" 5000, "10k" 10000, "20k" 20000, "50k" 50000, "100k" 100000, "200k" 200000)
set yrange [3537.08:277135]
set logscale y
plot 'compare-kernel-memory.dat' index 0 using ($1*0.93325):2:3:4 with yerrorlines lc rgb '#1f77b4' pt 5 ps 1.3 title 'epoll, 3 runs, fit slope 4,827 B [4,815–4,831]', \
  'compare-kernel-memory.dat' index 1 using ($1*0.95940):2:3:4 with yerrorlines lc rgb '#d62728' pt 7 ps 1.3 title 'io_uring, 3 runs, fit slope 4,638 B [4,636–4,686]', \
  'compare-kernel-memory.dat' index 2 using ($1*0.98628):2:3:4 with yerrorlines lc rgb '#2ca02c' pt 9 ps 1.3 title 'libuv, 3 runs, fit slope 4,888 B [4,786–4,893]', \
  'compare-kernel-memory.dat' index 3 using ($1*1.01391):2:3:4 with yerrorlines lc rgb '#9467bd' pt 11 ps 1.3 title 'poll, 3 runs, fit slope 4,577 B [4,576–4,758]', \
  'compare-kernel-memory.dat' index 4 using ($1*1.04232):2:3:4 with yerrorlines lc rgb '#ff7f0e' pt 13 ps 1.3 title 'select, 3 runs, fit slope 3,626 B [3,556–3,642]', \
  'compare-kernel-memory.dat' index 5 using ($1*1.07152):2:3:4 with yerrorlines lc rgb '#8c564b' pt 15 ps 1.3 title 'thread-per-core, 3 runs, fit slope 4,775 B [4,737–4,804]'
