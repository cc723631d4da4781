# Latest run of every backend, same axes: gnuplot compare.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set datafile separator ','
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top box opaque
set format x '%.0s%c'
set xlabel 'concurrent connections (log scale)'
xc(c) = column(c) > 0 ? column(c) : NaN
yc(c) = column(c) > 0 ? column(c) : NaN
set key below center horizontal Left reverse nobox
set bmargin 7
set xrange [666.667:3e+06]
set output 'compare-server-memory.png'
set title "server user memory per connection (PSS / connections), latest run of each backend"
set ylabel 'bytes per connection (log scale)'
set logscale xy
set format y '%g'
plot 'epoll/20261202-005751/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 5 title 'epoll (fit slope 8 B)', \
  'io_uring/20261202-010954/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 7 title 'io_uring (fit slope 62 B)', \
  'libuv/20261202-004910/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 9 title 'libuv (fit slope 275 B)', \
  'poll/20261201-221237/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 11 title 'poll (fit slope 16 B)', \
  'select/20261201-221545/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 13 title 'select (fit slope 0 B)', \
  'thread-per-core/20261202-005337/sweep.csv' using (xc("connections")):(yc("user_bytes_per_conn")) with linespoints lw 2 pt 15 title 'thread-per-core (fit slope 8 B)'
set autoscale y
set output 'compare-kernel-memory.png'
set title "kernel memory per connection (Slab growth / connections, both loopback ends)"
set ylabel 'bytes per connection (log scale)'
set logscale xy
set format y '%g'
plot 'epoll/20261202-005751/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 5 title 'epoll (fit slope 9915 B)', \
  'io_uring/20261202-010954/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 7 title 'io_uring (fit slope 9654 B)', \
  'libuv/20261202-004910/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 9 title 'libuv (fit slope 9949 B)', \
  'poll/20261201-221237/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 11 title 'poll (fit slope 9782 B)', \
  'select/20261201-221545/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 13 title 'select (fit slope 9357 B)', \
  'thread-per-core/20261202-005337/sweep.csv' using (xc("connections")):(yc("kernel_bytes_per_conn")) with linespoints lw 2 pt 15 title 'thread-per-core (fit slope 9919 B)'
set autoscale y
set output 'compare-connect-rate.png'
set title "connect rate during each step, latest run of each backend"
set ylabel 'connections per second'
unset logscale
set logscale x
set yrange [0:*]
set format y '%.0s%c'
plot 'epoll/20261202-005751/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 5 title 'epoll', \
  'io_uring/20261202-010954/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 7 title 'io_uring', \
  'libuv/20261202-004910/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 9 title 'libuv', \
  'poll/20261201-221237/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 11 title 'poll', \
  'select/20261201-221545/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 13 title 'select', \
  'thread-per-core/20261202-005337/sweep.csv' using (xc("connections")):(yc("connect_rate")) with linespoints lw 2 pt 15 title 'thread-per-core'
set autoscale y
set output 'compare-latency.png'
set title "connect latency p99, latest run of each backend"
set ylabel 'p99 connect latency (microseconds, log scale)'
set logscale xy
set format y '%g'
plot 'epoll/20261202-005751/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 5 title 'epoll', \
  'io_uring/20261202-010954/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 7 title 'io_uring', \
  'libuv/20261202-004910/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 9 title 'libuv', \
  'poll/20261201-221237/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 11 title 'poll', \
  'select/20261201-221545/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 13 title 'select', \
  'thread-per-core/20261202-005337/sweep.csv' using (xc("connections")):(yc("latency_p99_us")) with linespoints lw 2 pt 15 title 'thread-per-core'
set autoscale y
