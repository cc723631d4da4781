# compare-kernel-by-cache.png from compare-kernel-by-cache.dat: gnuplot compare-kernel-by-cache.gp
set terminal pngcairo size 1100,700 noenhanced font 'Sans,12' linewidth 2
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key below center horizontal Left reverse height 1.5
set bars small
set output 'compare-kernel-by-cache.png'
set datafile separator '\t'
set title "kernel memory per connection by slab cache, both loopback ends\nbars: median fitted slope of each cache, stacked; black line: whole-Slab slope (median, min-max)"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.55
set key outside right top vertical Left reverse title "(both ends): the cache holds\nobjects of the client and\nthe server socket alike"
unset mxtics
unset mytics
set grid noxtics
set ylabel 'bytes per connection (fitted slope)'
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set bmargin 4
set xrange [-0.6:5.6]
set format y '%.0f'
plot 'compare-kernel-by-cache.dat' using 2 title 'TCP (both ends)' lc rgb '#4c72b0', \
  'compare-kernel-by-cache.dat' using 3 title 'sock_inode_cache (both ends)' lc rgb '#55a868', \
  'compare-kernel-by-cache.dat' using 4 title 'dentry (both ends)' lc rgb '#c44e52', \
  'compare-kernel-by-cache.dat' using 5 title 'filp (both ends)' lc rgb '#8172b2', \
  'compare-kernel-by-cache.dat' using 6 title 'eventpoll_epi (mixed ends)' lc rgb '#ccb974', \
  'compare-kernel-by-cache.dat' using 7 title 'io_kiocb (server end)' lc rgb '#e17c05', \
  'compare-kernel-by-cache.dat' using 8 title 'kmalloc-* (mixed ends)' lc rgb '#64b5cd', \
  'compare-kernel-by-cache.dat' using 9 title 'other (mixed ends)' lc rgb '#999999', \
  'compare-kernel-by-cache.dat' using ($0-0.34):10:(0.68):(0) with vectors nohead lw 4 lc rgb 'black' title 'whole Slab slope', \
  '' using 0:11:(0):($12-$11) with vectors nohead lw 2 lc rgb 'black' notitle, \
  '' using 0:13:(strcol(14)."\n".strcol(15)):xtic(strcol(1)."\n".strcol(16)) with labels offset 0,2.4 font 'Sans,10' notitle
