# Plots of one sweep: gnuplot plots.gp (in this directory).
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set datafile separator ','
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top box opaque
set format x '%.0s%c'
set xlabel 'concurrent connections (log scale)'
xc(c) = column(c) > 0 ? column(c) : NaN
yc(c) = column(c) > 0 ? column(c) : NaN
set xrange [666.667:1.5e+06]
user_slope = 275.188
user_base = 5221468.7
client_slope = 16.757
client_base = 5071115.0
kernel_slope = 9766.573
kernel_base = -60743445.8
objects_slope = 9404.852
fitted = 1
set output 'memory-per-connection.png'
set title "libuv: memory per connection (solid: total / connections; dashed: least-squares slope)"
set logscale xy
set ylabel 'bytes per connection (log scale)'
plot 'sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lc 1 pt 7 title 'server user (PSS)', \
  '' using (xc("connections")):(yc("client_user_bytes_per_conn")) with linespoints lc 2 pt 5 title 'client user (PSS)', \
  '' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lc 3 pt 9 title 'kernel (Slab, both ends)', \
  '' using (xc("connections")):(yc("kernel_object_bytes_per_conn")) with linespoints lc 4 pt 8 title 'kernel (slab objects in use, both ends)', \
  user_slope with lines lc 1 dt 2 title sprintf('server slope %.0f B', user_slope), \
  client_slope with lines lc 2 dt 2 title sprintf('client slope %.0f B', client_slope), \
  kernel_slope with lines lc 3 dt 2 title sprintf('kernel slope %.0f B', kernel_slope), \
  objects_slope with lines lc 4 dt 2 title sprintf('slab objects slope %.0f B', objects_slope)
unset logscale
set terminal pngcairo size 1100,900 noenhanced font 'Sans,12' linewidth 2
set output 'memory.png'
set multiplot layout 2,1 title "libuv: memory held (points: measured; dashed: base + slope x connections)"
set xlabel 'concurrent connections (server count)'
set format x '%.0s%c'
set format y '%.1f'
set xrange [0:*]
set yrange [0:*]
unset title
set lmargin at screen 0.09
set rmargin at screen 0.96
set key inside top left box opaque
set ylabel 'user memory (MiB)'
M = 1048576.0
plot 'sweep.csv' using "server_live":(column("server_user_bytes")/M) with points lc 1 pt 7 ps 1.5 title 'server user (PSS)', \
  (fitted ? (user_base + user_slope * x) / M : NaN) with lines lc 1 dt 2 notitle, \
  '' using "server_live":(column("client_user_bytes")/M) with points lc 2 pt 5 ps 1.5 title 'client user (PSS)', \
  (fitted ? (client_base + client_slope * x) / M : NaN) with lines lc 2 dt 2 notitle
set ylabel 'kernel memory (GiB)'
M = 1073741824.0
plot 'sweep.csv' using "server_live":(column("kernel_bytes")/M) with points lc 3 pt 9 ps 1.5 title 'kernel: Slab growth (both ends)', \
  (fitted ? (kernel_base + kernel_slope * x) / M : NaN) with lines lc 3 dt 2 notitle, \
  '' using "server_live":(column("kernel_object_bytes")/M) with points lc 4 pt 8 ps 1.5 title 'kernel: slab objects in use'
unset multiplot
unset lmargin
unset rmargin
set key outside right top box opaque
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set autoscale
set xlabel 'concurrent connections (log scale)'
set xrange [666.667:1.5e+06]
set output 'connect-rate.png'
set title "libuv: connect rate during each step"
set logscale x
set ylabel 'connections per second'
set yrange [0:*]
set format y '%.0s%c'
plot 'sweep.csv' using (xc("connections")):"connect_rate" with linespoints lc 1 pt 7 title 'connect rate'
set autoscale y
set output 'latency.png'
set title "libuv: connect latency per step"
set logscale xy
set ylabel 'connect latency (microseconds, log scale)'
plot 'sweep.csv' using (xc("connections")):(yc("latency_p50_us")) with linespoints pt 7 title 'p50', \
  '' using (xc("connections")):(yc("latency_p99_us")) with linespoints pt 5 title 'p99', \
  '' using (xc("connections")):(yc("latency_p999_us")) with linespoints pt 9 title 'p99.9', \
  '' using (xc("connections")):(yc("latency_max_us")) with linespoints pt 11 title 'max'
