# Sourced by deps.sh and newest-kernel.sh: where this machine gets Debian
# from, so that other suites come from the same place (never a hard-coded
# host).
#
# main_source: print "URI<TAB>Signed-By" of the first source that serves
# $codename's main archive (not -security, not -updates), from deb822 or
# one-line sources.
main_source() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && uris != "" && (" " suites " ") ~ (" " want " ")) {
					split(uris, u, " "); print u[1] "\t" sb; found = 1; exit
				}
				types = uris = suites = sb = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^Types:/     { sub(/^Types:[ \t]*/, "");     types = $0 }
			/^URIs:/      { sub(/^URIs:[ \t]*/, "");      uris = $0 }
			/^Suites:/    { sub(/^Suites:[ \t]*/, "");    suites = $0 }
			/^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); sb = $0 }
			END { if (!found) flush() }
		' "$f"
	done | head -n1
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '$1 == "deb" {
			i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == want) { print $i "\t"; exit }
		}' "$f"
	done | head -n1
}


# src_sources: print, as one-line entries, a deb-src twin of every binary
# source this machine has (deb822 stanzas and one-line entries, those that
# are not disabled), for apt-get source.
src_sources() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && types !~ /deb-src/ &&
				    enabled !~ /^no$/ && uris != "") {
					opt = sb == "" ? "" : "[signed-by=" sb "] "
					nu = split(uris, u, " "); ns = split(suites, s, " ")
					for (i = 1; i <= nu; i++)
						for (j = 1; j <= ns; j++)
							print "deb-src " opt u[i] " " s[j] " " comps
				}
				types = uris = suites = comps = sb = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^Types:/      { sub(/^Types:[ \t]*/, "");      types = $0 }
			/^URIs:/       { sub(/^URIs:[ \t]*/, "");       uris = $0 }
			/^Suites:/     { sub(/^Suites:[ \t]*/, "");     suites = $0 }
			/^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
			/^Signed-By:/  { sub(/^Signed-By:[ \t]*/, "");  sb = $0 }
			/^Enabled:/    { sub(/^Enabled:[ \t]*/, "");    enabled = $0 }
			END { flush() }
		' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		case $f in */scav-src.list) continue ;; esac
		sed -n 's/^deb\([ \t]\)/deb-src\1/p' "$f"
	done
}
