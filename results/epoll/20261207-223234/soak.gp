# The soak of one run: gnuplot soak.gp (in this directory).
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set output 'soak.png'
set datafile separator ','
set grid xtics ytics lc rgb '#dddddd'
set key outside center bottom horizontal maxrows 2 box opaque
set bmargin 7
set title "epoll: soak of 10m00s at 1,000,000 connections, load 20000 msg/s\nserver PSS slope +144.5 B/s (+508.1 KiB/h), r2 0.04"
set xlabel 'time since the soak began (minutes)'
set ylabel 'memory (MiB, log scale)'
set y2label 'live connections'
set ytics nomirror
set y2tics
set format y2 '%.0f'
set xrange [0:10]
set y2range [0:1150001]
set logscale y
M = 1048576.0
pss_slope = 144.535587
pss_base = 20258963.2
fitted = 1
minutes(c) = column(c) / 60.0
mib(c) = column(c) > 0 ? column(c) / M : NaN
plot 'soak.csv' using (minutes("elapsed_s")):(mib("server_user_bytes")) with linespoints lc 1 pt 7 title 'server PSS', \
  'soak.csv' using (minutes("elapsed_s")):(mib("server_anon_bytes")) with linespoints lc 1 dt 3 pt 6 title 'server PSS, anonymous part', \
  (fitted ? (pss_base + pss_slope * x * 60) / M : NaN) with lines lc 1 dt 2 title 'server PSS, least squares', \
  'soak.csv' using (minutes("elapsed_s")):(mib("kernel_bytes")) with linespoints lc 3 pt 9 title 'kernel: Slab growth', \
  'soak.csv' using (minutes("elapsed_s")):"server_live" axes x1y2 with steps lc 2 title 'server live (right)', \
  'soak.csv' using (minutes("elapsed_s")):"client_established" axes x1y2 with steps lc 4 dt 3 title 'client established (right)'
