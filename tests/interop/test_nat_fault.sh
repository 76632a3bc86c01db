#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natgate router on lossy links (--fault: loss, reordering and duplication on both of its
# links): the kernels' TCP retransmits, reorders and SACKs through the NAT, and the connection
# tracker's window checks must let every legitimate segment through. Downloads both ways (out
# through NAPT, in through a port forward) must arrive intact.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum
SIZE_MB=${NAT_SIZE_MB:-16}

nat_setup --fault loss=1%,reorder=2%,dup=1% --seed 7 --forward tcp:8080=$NAT_H1:80

www=$NG_TMP/www
mkdir -p "$www"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
ng_bg http_pid "$ns_out" http-out sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 8000"
ng_bg fwd_pid "$ns_h1" http-in sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 80"
ng_wait 10 "http server" ng_nsrun "$ns_out" 2 sh -c "ss -Hltn 'sport = :8000' | grep -q ."
ng_wait 10 "inside http server" ng_nsrun "$ns_h1" 2 sh -c "ss -Hltn 'sport = :80' | grep -q ."

got=$(ng_nsrun "$ns_h2" 200 curl -sS --max-time 180 http://$NAT_OUT:8000/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "h2 downloads ${SIZE_MB} MB through the NAT over lossy links" "$want" "$got"
retrans=$(ip netns exec "$ns_out" nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}')
ng_check_num "the faults were real: the server retransmitted" "${retrans:-0}" -gt 10
got=$(ng_nsrun "$ns_out" 200 curl -sS --max-time 180 http://$NAT_PUB:8080/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "an outside client downloads ${SIZE_MB} MB through the port forward over lossy links" \
	"$want" "$got"
st=$("$NG_BIN/natgate" stats --control "$NAT_CTL")
printf '%s\n' "$st" | grep -E "^drop|flows" | sed 's/^/    /'
ng_check_alive "natgate router" "$rtr_pid"
ng_done
