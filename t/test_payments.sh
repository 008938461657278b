#!/usr/bin/env bash
# Buying tokens with Telegram Stars, through nginx: the packs, a purchase
# with its invoice made by the Bot API (the stack's stand-in,
# t/telegram_emulator.js, which records every call), then the bot's
# webhook as Telegram calls it: the pre-checkout query answered from the
# purchase row, the successful payment crediting the tokens exactly once,
# and every kind of wrong or forged update refused or ignored without a
# credit; refunds by primerka-admin and refunds Telegram reports.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tg() { curl -sS -X "$1" "$PRIMERKA_TG_URL$2" "${@:3}"; }
# hook JSON [SECRET]: POST an update to the webhook as Telegram would.
hook() {
	local secret=${2-$PRIMERKA_TG_WEBHOOK_SECRET}
	req POST /telegram/webhook -H "$JSON" ${secret:+-H "X-Telegram-Bot-Api-Secret-Token: $secret"} --data "$1"
}
calls() { tg GET /__calls | jq -c --arg m "$1" '[.[] | select(.method == $m) | .body]'; }
balance() { db "SELECT balance FROM users WHERE id = $1"; }

U=$((378000000 + RANDOM)) V=$((U + 100000))
H=$(auth "$U") HV=$(auth "$V")
req GET /me -H "$H"
expect 200 "the buyer exists"
req GET /me -H "$HV"
expect 200 "another user exists"
tg POST /__reset >/dev/null

echo "packs"
req GET /packs -H "$H"
expect 200 "GET /packs"
check "three packs in stars ($(jq -c '[.items[] | [.id, .tokens, .stars]]' <<<"$body"))" \
	[ "$(jq -c '[.currency, [.items[] | [.id, .tokens, .stars]]]' <<<"$body")" = '["XTR",[[1,100,50],[2,300,135],[3,1000,400]]]' ]
req GET /packs
expect 401 "GET /packs without initData"

echo "a purchase and its invoice"
req POST /purchases -H "$H" -H "$JSON" --data '{"pack_id":2}'
expect 201 "POST /purchases"
P=$(jget .id)
check "pending, 300 tokens for 135 stars, an invoice link ($(jget .invoice_url))" \
	[ "$(jq -c '[.status, .tokens, .stars, (.invoice_url | startswith("https://t.me/$"))]' <<<"$body")" = '["pending",300,135,true]' ]
inv=$(calls createInvoiceLink | jq -c '.[-1]')
check "the invoice asked of the Bot API: XTR, one price of 135, our payload ($inv)" \
	[ "$(jq -c '[.currency, (.prices | length), .prices[0].amount, .payload, (has("provider_token") | not)]' <<<"$inv")" = "[\"XTR\",1,135,\"purchase:$P\",true]" ]
req GET "/purchases/$P" -H "$H"
expect 200 "GET /purchases/{id}"
check "it is pending" [ "$(jget .status)" = pending ]
req GET "/purchases/$P" -H "$HV"
expect 404 "someone else's purchase"
for bad in '{"pack_id":0}' '{"pack_id":4}' '{"pack_id":"2"}' '{"pack_id":2.5}' '{}' '{"pack_id":1,"tokens":1000000}' '[]'; do
	req POST /purchases -H "$H" -H "$JSON" --data "$bad"
	expect 400 "POST /purchases $bad"
done
req POST /purchases -H "$JSON" --data '{"pack_id":1}'
expect 401 "POST /purchases without initData"

echo "the webhook: authentication"
b0=$(balance "$U")
pre() { echo "{\"update_id\":$RANDOM,\"pre_checkout_query\":{\"id\":\"q$1\",\"from\":{\"id\":$2,\"is_bot\":false,\"first_name\":\"T\",\"language_code\":\"en\"},\"currency\":\"XTR\",\"total_amount\":$3,\"invoice_payload\":\"purchase:$4\"}}"; }
paid() { echo "{\"update_id\":$RANDOM,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":$1,\"type\":\"private\"},\"from\":{\"id\":$1,\"is_bot\":false,\"first_name\":\"T\"},\"successful_payment\":{\"currency\":\"XTR\",\"total_amount\":$2,\"invoice_payload\":\"purchase:$3\",\"telegram_payment_charge_id\":\"$4\",\"provider_payment_charge_id\":\"\"}}}"; }
hook "$(paid "$U" 135 "$P" forged1)" "wrong-$RANDOM"
expect 401 "a wrong secret"
hook "$(paid "$U" 135 "$P" forged2)" ""
expect 401 "no secret"
hook '{"update_id": 1, "message": ' 
expect 400 "malformed JSON"
hook '{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":1,"type":"private"},"text":"/start"}}'
expect 200 "an update that is not a payment is acknowledged"
check "nothing credited by them" [ "$(balance "$U")" = "$b0" ]

echo "the webhook: pre-checkout queries"
hook "$(pre 1 "$U" 135 "$P")"
expect 200 "the buyer's pre-checkout query"
check "answered ok" [ "$(calls answerPreCheckoutQuery | jq -c '.[-1] | [.pre_checkout_query_id, .ok]')" = '["q1",true]' ]
hook "$(pre 2 "$U" 50 "$P")"
check "a wrong amount: refused with a reason" \
	[ "$(calls answerPreCheckoutQuery | jq -c '.[-1] | [.pre_checkout_query_id, .ok, (.error_message | length > 0)]')" = '["q2",false,true]' ]
hook "$(pre 3 "$V" 135 "$P")"
check "someone else paying for it: refused" [ "$(calls answerPreCheckoutQuery | jq -c '.[-1] | [.pre_checkout_query_id, .ok]')" = '["q3",false]' ]
hook "$(pre 4 "$U" 135 999999999)"
check "an unknown purchase: refused" [ "$(calls answerPreCheckoutQuery | jq -c '.[-1] | [.pre_checkout_query_id, .ok]')" = '["q4",false]' ]

echo "the webhook: the successful payment"
hook "$(paid "$U" 135 "$P" "charge-$P")"
expect 200 "successful_payment"
check "300 tokens credited ($b0 -> $(balance "$U"))" [ "$(balance "$U")" = $((b0 + 300)) ]
check "one purchase row in the ledger" \
	[ "$(db "SELECT count(*) || ':' || sum(amount) FROM ledger WHERE user_id = $U AND kind = 'purchase'")" = 1:300 ]
req GET "/purchases/$P" -H "$H"
check "the purchase is paid" [ "$(jget .status)" = paid ]
req GET /me -H "$H"
check "/me shows it" [ "$(jget .balance)" = $((b0 + 300)) ]
hook "$(paid "$U" 135 "$P" "charge-$P")"
expect 200 "the same update again"
check "credited once only" [ "$(balance "$U")" = $((b0 + 300)) ]
hook "$(pre 5 "$U" 135 "$P")"
check "a paid purchase cannot be paid again" [ "$(calls answerPreCheckoutQuery | jq -c '.[-1] | [.pre_checkout_query_id, .ok]')" = '["q5",false]' ]
req POST /purchases -H "$H" -H "$JSON" --data '{"pack_id":1}'
P2=$(jget .id)
bV=$(balance "$V")
hook "$(paid "$U" 10 "$P2" "charge-x$P2")"
expect 200 "a payment of the wrong amount is acknowledged"
hook "$(paid "$V" 50 "$P2" "charge-y$P2")"
check "...and neither it nor someone else's payment credits anything" \
	[ "$(balance "$U"):$(balance "$V"):$(db "SELECT status FROM purchases WHERE id = $P2")" = "$((b0 + 300)):$bV:pending" ]
check "the mismatch is logged for a refund" grep -q "does not match it (charge charge-x$P2)" "$LOGDIR/fcgi.log"

echo "the operator's side"
ADMIN() { PRIMERKA_CONFIG="$PRIMERKA_CONFIG" "$ROOT/primerka-admin" "$@"; }
out=$(ADMIN telegram-webhook "https://shop.example/api/v1/telegram/webhook" 2>&1); rc=$?
hooked=$(calls setWebhook | jq -c '.[-1] | [.url, .secret_token, .allowed_updates]')
check "primerka-admin telegram-webhook sets it with the secret ($rc: $out)" \
	[ "$rc:$hooked" = "0:[\"https://shop.example/api/v1/telegram/webhook\",\"$PRIMERKA_TG_WEBHOOK_SECRET\",[\"pre_checkout_query\",\"message\"]]" ]
n0=$(calls setWebhook | jq length)
ADMIN telegram-webhook "http://shop.example/hook" >/dev/null 2>&1; rc=$?
check "...refuses a plain http URL without asking Telegram (rc $rc)" [ "$rc:$(calls setWebhook | jq length)" = "1:$n0" ]
out=$(PRIMERKA_TELEGRAM_WEBHOOK_SECRET='not a secret!' ADMIN telegram-webhook "https://shop.example/h" 2>&1); rc=$?
refused_at_start() { [ "$rc" != 0 ] && grep -q "webhook_secret" <<<"$out"; }
check "a webhook secret Telegram would refuse stops the programs at start ($rc)" refused_at_start
out=$(PRIMERKA_TELEGRAM_WEBHOOK_SECRET='abcdef0123456789abcdef012345678' ADMIN telegram-webhook "https://shop.example/h" 2>&1); rc=$?
short() { [ "$rc" != 0 ] && grep -q "webhook_secret: at least 32" <<<"$out"; }
check "a webhook secret shorter than 32 characters stops them too ($rc)" short

echo "refunds"
rfd() { echo "{\"update_id\":$RANDOM,\"message\":{\"message_id\":3,\"date\":1,\"chat\":{\"id\":$1,\"type\":\"private\"},\"from\":{\"id\":$1,\"is_bot\":false,\"first_name\":\"T\"},\"refunded_payment\":{\"currency\":\"XTR\",\"total_amount\":$2,\"invoice_payload\":\"purchase:$3\",\"telegram_payment_charge_id\":\"$4\"}}}"; }
refunds() { calls refundStarPayment | jq length; }
# buy USER AUTH: a paid pack 1 (100 tokens, 50 stars); prints its id.
buy() {
	req POST /purchases -H "$2" -H "$JSON" --data '{"pack_id":1}'
	local id; id=$(jget .id)
	hook "$(paid "$1" 50 "$id" "charge-r$id")" >/dev/null
	echo "$id"
}
state() { db "SELECT status || ':' || coalesce(refunded_tokens::text, '-') FROM purchases WHERE id = $1"; }
W=$((U + 200000)); HW=$(auth "$W")
req GET /me -H "$HW"
PW=$(buy "$W" "$HW")
bw=$(balance "$W")
r0=$(refunds)
out=$(ADMIN refund "$P2" 2>&1); rc=$?
check "a pending purchase is not refunded ($rc: $out)" [ "$rc:$(refunds)" = "1:$r0" ]
out=$(ADMIN refund 999999999 2>&1); rc=$?
check "nor an unknown one ($rc: $out)" [ "$rc:$(grep -c "no purchase" <<<"$out")" = 1:1 ]
tg POST /__script -d '{"method":"refundStarPayment","status":500,"times":1}' >/dev/null
out=$(ADMIN refund "$PW" 2>&1); rc=$?
check "Telegram failing: nothing changes ($rc: $out)" \
	[ "$rc:$(state "$PW"):$(balance "$W")" = "1:paid:-:$bw" ]
out=$(ADMIN refund "$PW" 2>&1); rc=$?
check "refunded: the stars asked back, 100 tokens taken ($rc: $out)" \
	[ "$rc:$(state "$PW"):$(balance "$W")" = "0:refunded:100:$((bw - 100))" ]
check "refundStarPayment got the buyer and the charge" \
	[ "$(calls refundStarPayment | jq -c '.[-1] | [.user_id, .telegram_payment_charge_id]')" = "[$W,\"charge-r$PW\"]" ]
check "a refund row in the ledger" \
	[ "$(db "SELECT kind || ':' || amount || ':' || balance_after FROM ledger WHERE user_id = $W ORDER BY id DESC LIMIT 1")" = "refund:-100:$((bw - 100))" ]
req GET "/purchases/$PW" -H "$HW"
check "the buyer sees it refunded" [ "$(jget .status)" = refunded ]
r0=$(refunds)
out=$(ADMIN refund "$PW" 2>&1); rc=$?
check "a second refund is refused without asking Telegram ($rc: $out)" \
	[ "$rc:$(refunds):$(balance "$W")" = "1:$r0:$((bw - 100))" ]
hook "$(rfd "$W" 50 "$PW" "charge-r$PW")"
expect 200 "Telegram's refunded_payment for it"
check "...takes nothing more" [ "$(balance "$W")" = $((bw - 100)) ]

echo "refunds: spent tokens, refunds made elsewhere"
PS=$(buy "$W" "$HW")
db "UPDATE users SET balance = 30 WHERE id = $W" >/dev/null	# 70 of the 100 spent
r0=$(refunds)
out=$(ADMIN refund "$PS" 2>&1); rc=$?
check "spent tokens: refused, saying how many are free ($rc: $out)" \
	[ "$rc:$(refunds):$(state "$PS"):$(balance "$W"):$(grep -c "30 free" <<<"$out")" = "1:$r0:paid:-:30:1" ]
out=$(ADMIN refund "$PS" --force 2>&1); rc=$?
check "--force refunds the stars and takes the 30 free tokens ($rc: $out)" \
	[ "$rc:$(refunds):$(state "$PS"):$(balance "$W")" = "0:$((r0 + 1)):refunded:30:0" ]
bw=$(balance "$W")
PE=$(buy "$W" "$HW")
hook "$(rfd "$W" 50 "$PE" "charge-wrong")"
check "a refunded_payment with another charge takes nothing" \
	[ "$(state "$PE"):$(balance "$W")" = "paid:-:$((bw + 100))" ]
check "...and is logged" grep -q "matches no paid purchase" "$LOGDIR/fcgi.log"
bad_rfd=$(rfd "$W" 50 "$PE" "charge-r$PE" | jq -c '.message.refunded_payment.total_amount = "50"')
hook "$bad_rfd"
expect 200 "a malformed refunded_payment is acknowledged"
hook "$(rfd "$W" 50 "$PE" "charge-r$PE" | jq -c '.message.refunded_payment.invoice_payload = "other:1"')"
expect 200 "...and one for another bot's invoice"
check "...neither takes anything" [ "$(state "$PE"):$(balance "$W")" = "paid:-:$((bw + 100))" ]
hook "$(rfd "$W" 50 "$PE" "charge-r$PE")"
expect 200 "a refund made elsewhere, reported by Telegram"
check "...takes the tokens back" [ "$(state "$PE"):$(balance "$W")" = "refunded:100:$bw" ]
hook "$(rfd "$W" 50 "$PE" "charge-r$PE")"
check "...once" [ "$(balance "$W")" = "$bw" ]

echo "refunds: the order of Telegram's updates, tokens held by jobs"
# A refund that overtakes its payment: the payment then credits nothing.
bw=$(balance "$W")
req POST /purchases -H "$HW" -H "$JSON" --data '{"pack_id":1}'
PO=$(jget .id)
hook "$(rfd "$W" 50 "$PO" "charge-o$PO")"
expect 200 "a refunded_payment before its successful_payment"
hook "$(paid "$W" 50 "$PO" "charge-o$PO")"
expect 200 "...then the payment"
check "...credits nothing, the purchase is refunded ($(state "$PO"))" \
	[ "$(state "$PO"):$(balance "$W")" = "refunded:0:$bw" ]
# A purchase refunded by the operator cannot be paid again.
PR=$(buy "$W" "$HW")
ADMIN refund "$PR" >/dev/null 2>&1
hook "$(paid "$W" 50 "$PR" "charge-r$PR")"
check "a successful_payment repeated after the refund credits nothing" \
	[ "$(state "$PR"):$(balance "$W")" = "refunded:100:$bw" ]
# The same charge refunded under another payload: remembered by charge.
req POST /purchases -H "$HW" -H "$JSON" --data '{"pack_id":1}'
PC=$(jget .id)
hook "$(rfd "$W" 50 999999999 "charge-c$PC")"
hook "$(paid "$W" 50 "$PC" "charge-c$PC")"
check "a charge refunded before is never credited ($(state "$PC"))" \
	[ "$(state "$PC"):$(balance "$W")" = "refunded:0:$bw" ]
# Tokens reserved by jobs that have not started: the refund cancels them.
"$ROOT/scripts/demo-data" >/dev/null
J=$((U + 300000)); HJ=$(auth "$J")
req GET /me -H "$HJ"
db "UPDATE users SET balance = 0 WHERE id = $J" >/dev/null
PJ=$(buy "$J" "$HJ")
req POST /photos -H "$HJ" -H "Content-Type: image/jpeg" --data-binary "@$D/people_fullbody_outdoor.jpg"
jphoto=$(jget .id)
req GET /outfits -H "$HJ"
joutfit=$(jget '.items[0].id')
pause_stack_worker
jobs=0
for _ in $(seq 1 100); do
	req POST /tryons -H "$HJ" -H "$JSON" --data "{\"user_photo_id\":$jphoto,\"outfit_id\":$joutfit}"
	[ "$code" = 202 ] || break
	jobs=$((jobs + 1))
done
req GET /me -H "$HJ"
check "$jobs jobs hold all 100 tokens" [ "$jobs:$(jget .reserved):$(jget .balance)" = "$jobs:100:100" ]
hook "$(rfd "$J" 50 "$PJ" "charge-r$PJ")"
expect 200 "Telegram reports the refund"
resume_stack_worker
check "...the waiting jobs are cancelled, the 100 tokens taken ($(state "$PJ"))" \
	[ "$(state "$PJ"):$(balance "$J"):$(db "SELECT count(*) FROM jobs WHERE user_id = $J AND status <> 'FAILED'")" = "refunded:100:0:0" ]
check "...as cancelled, uncharged" \
	[ "$(db "SELECT count(*) FROM jobs WHERE user_id = $J AND error_code = 'cancelled'"):$(db "SELECT count(*) FROM ledger WHERE user_id = $J AND kind = 'debit'")" = "$jobs:0" ]

PL=$(buy "$W" "$HW")
tg POST "/bot$PRIMERKA_TELEGRAM_BOT_TOKEN/refundStarPayment" -H "$JSON" \
	--data "{\"user_id\":$W,\"telegram_payment_charge_id\":\"charge-r$PL\"}" >/dev/null
out=$(ADMIN refund "$PL" 2>&1); rc=$?
check "stars Telegram refunded before (a lost commit) are recorded ($rc: $out)" \
	[ "$rc:$(state "$PL"):$(grep -c "had refunded them before" <<<"$out")" = "0:refunded:100:1" ]
out=$(ADMIN purchases "$W"); rc=$?
check "primerka-admin purchases lists the buyer's, newest first ($(wc -l <<<"$out") lines)" \
	[ "$rc:$(sed -n 2p <<<"$out" | cut -f1,2,3,4,5,7)" = "0:$PL	refunded	100	50	charge-r$PL	100" ]
check "...all seven, with a header" [ "$(wc -l <<<"$out"):$(head -n 1 <<<"$out" | cut -f1,2)" = "8:id	status" ]
req GET "/ledger?limit=2" -H "$HW"
check "the buyer's token history shows the refund after the purchase ($(jq -c '[.items[] | [.kind, .amount]]' <<<"$body"))" \
	[ "$(jq -c '[.items[] | [.kind, .amount, .job]]' <<<"$body")" = '[["refund",-100,null],["purchase",100,null]]' ]

# The table gauges are cached for [metrics] cache_ttl: wait for a fresh run.
want=$(db "SELECT string_agg(format('primerka_purchases{status=\"%s\"} %s', status, n), ' ' ORDER BY status) FROM (SELECT status, count(*) n FROM purchases GROUP BY status) s")
for _ in $(seq 1 32); do
	m=$(curl -sS "${PRIMERKA_URL%/}/metrics")
	got=$(grep '^primerka_purchases{' <<<"$m" | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && break
	sleep 0.25
done
check "/metrics counts purchases by status ($got)" [ "$got" = "$want" ]
check "...with their stars" grep -q '^primerka_purchase_stars{status="refunded"} [1-9]' <<<"$m"

echo "the Bot API failing"
tg POST /__script -d '{"method":"createInvoiceLink","status":500,"times":1}' >/dev/null
n0=$(db "SELECT count(*) FROM purchases WHERE user_id = $U")
req POST /purchases -H "$H" -H "$JSON" --data '{"pack_id":1}'
expect 503 "no invoice from Telegram"
check "no purchase is left behind" [ "$(db "SELECT count(*) FROM purchases WHERE user_id = $U")" = "$n0" ]
check "the bot token is not in the log" bash -c "! grep -qF '$PRIMERKA_TELEGRAM_BOT_TOKEN' '$LOGDIR/fcgi.log'"

summary
