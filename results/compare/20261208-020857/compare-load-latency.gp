# compare-load-latency.png from compare-load-latency.dat: gnuplot compare-load-latency.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-load-latency.png'
set title "fixed-rate load: RTT p99 from each message's intended send time\nmedian over each backend's runs, bars: min-max"
unset logscale
set xrange [0:1]
set yrange [0:1]
unset xtics
unset ytics
unset grid
unset key
set label 1 "no run had a fixed-rate load (--load RATE)" at graph 0.5, graph 0.5 center font 'Sans,16'
plot -1 notitle
