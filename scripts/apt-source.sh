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

