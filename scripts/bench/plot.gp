# scripts/bench/plot.gp - one chart of scripts/bench.sh: a clustered bar per case and proxy,
# the median with a min-max error bar, log scale.
#   gnuplot -e "datafile='rps.dat'; outfile='rps.png'; metric='rps'; n=7" scripts/bench/plot.gp
# datafile (written by summarize.py): a header "case P P_min P_max ...", then one row per
# case; '?' where a proxy has no figure for a case, 1e-9 (under the y range, so only its key
# entry shows) where it has none at all. n: the number of proxies (columns / 3).
if (!exists("n")) n = 7
if (!exists("metric")) metric = "rps"
set terminal pngcairo size 1400,640 font "sans,10" noenhanced
set output outfile
set datafile missing "?"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1:*]
set grid ytics mytics lc rgb "#dddddd"
set key outside right top vertical
set xtics rotate by -20
if (metric eq "rps") {
	set title "requests per second per case and proxy (median of the rounds, bars: min-max; log scale)"
	set ylabel "requests / s"
} else {
	set title "p99 latency per case and proxy (median of the rounds, bars: min-max; log scale)"
	set ylabel "p99 latency (microseconds)"
}
# One fixed colour per proxy (its column), whatever is missing.
plot for [i=0:n-1] datafile using (column(2+3*i)):(column(3+3*i)):(column(4+3*i)):xtic(1) \
	title columnheader(2+3*i) lc i+1
