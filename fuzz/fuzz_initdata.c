/*
 * libFuzzer target for Telegram initData authentication (lib/auth.c) and
 * the decoders under it (lib/util.c).
 *
 * The auth_config is built once, in LLVMFuzzerInitialize(), with a fixed
 * test bot token, a bot id and an Ed25519 key derived from a fixed seed,
 * and every check runs at the fixed time FUZZ_NOW, so the committed seeds
 * (signed for FUZZ_AUTH_DATE) verify on every run.  The first byte of an
 * input picks the mode:
 *
 *   0x01  util_pct_decode / util_pct_encode round trips on the rest
 *   0x02  util_b64url_decode / util_b64url_encode round trips
 *   0x03  util_hex_decode / util_hex_encode and util_parse_i64
 *   0x04  the rest is initData without a proof: the harness appends a
 *         valid "hash" for it, so the fuzzer reaches what lies behind
 *         the HMAC (auth_date, the "user" JSON, start_param)
 *   0x05  as 0x04 with a valid Ed25519 "signature" instead
 *   other the input is raw initData (and, as it is, a header value)
 *
 * Raw initData goes through auth_check_initdata(), auth_check_header()
 * on "tma " + the input, and auth_check_header() on the input itself;
 * the results must agree and obey auth.h (user zeroed unless AUTH_OK,
 * ids and dates in range, strings terminated).
 *
 * The seeds in fuzz/corpus/initdata were written by this file built with
 * -DFUZZ_INITDATA_SEEDS and without -fsanitize=fuzzer:
 *   clang -DFUZZ_INITDATA_SEEDS -Ilib fuzz/fuzz_initdata.c lib/auth.c \
 *       lib/util.c $(pkg-config --cflags --libs json-c libcrypto) -o gen
 *   ./gen fuzz/corpus/initdata
 *
 * fuzz-sources: lib/auth.c lib/util.c lib/jsonv.c
 * fuzz-pkgs: json-c libcrypto
 * fuzz-corpus: fuzz/corpus/initdata
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "util.h"

#define FUZZ_BOT_TOKEN	"7342037359:AAFuzzTestTokenNotARealBotToken0123"
#define FUZZ_BOT_ID	INT64_C(7342037359)
#define FUZZ_AUTH_DATE	INT64_C(1700000000)
#define FUZZ_NOW	((time_t)(FUZZ_AUTH_DATE + 60))
#define FUZZ_MAX_AGE	86400
#define FUZZ_BUF	(AUTH_INITDATA_MAX + 256)

/* A broken promise: say where, then abort (libFuzzer saves the input). */
#define FUZZ_FAIL()	fuzz_fail(__LINE__)

/* Ed25519 private key seed: fixed, so signed seeds stay valid. */
static const uint8_t fuzz_ed25519_seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
	0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
	0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60
};

/* Set up once by LLVMFuzzerInitialize(), read-only afterwards. */
static struct auth_config	 fuzz_cfg;
static EVP_PKEY			*fuzz_sk;

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_initdata.c:%d: invariant broken\n", line);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t		 pub[32];
	char		 pubhex[65];
	size_t		 publen = sizeof(pub);
	const char	*err = NULL;

	(void)argc;
	(void)argv;
	fuzz_sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    fuzz_ed25519_seed, sizeof(fuzz_ed25519_seed));
	if (fuzz_sk == NULL ||
	    EVP_PKEY_get_raw_public_key(fuzz_sk, pub, &publen) != 1 ||
	    publen != sizeof(pub) ||
	    util_hex_encode(pub, sizeof(pub), pubhex, sizeof(pubhex)) !=
	    UTIL_OK ||
	    auth_config_init(&fuzz_cfg, FUZZ_BOT_TOKEN, FUZZ_MAX_AGE,
	    FUZZ_BOT_ID, pubhex, 0, &err) != 0) {
		fprintf(stderr, "fuzz_initdata: setup failed: %s\n",
		    err != NULL ? err : "Ed25519 key");
		abort();
	}
	return 0;
}

/* ---------------------------------------------------- signing */

struct fuzz_kv {
	const char	*k;
	size_t		 klen;
	const char	*v;
	size_t		 vlen;
};

static int
kv_cmp(const void *a, const void *b)
{
	const struct fuzz_kv	*x = a, *y = b;
	size_t			 n = x->klen < y->klen ? x->klen : y->klen;
	int			 c = memcmp(x->k, y->k, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/*
 * The data-check-string of raw (percent-decoded into dec, dcs written to
 * out with prefix), skipping "hash" and, with skip_sig, "signature".
 * The harness's own reading of the rules in auth.h, independent of
 * auth.c's parser.  Returns the length, or -1 when raw is not a
 * well-formed list (the caller then signs nothing).
 */
static long
fuzz_dcs(const char *raw, size_t len, const char *prefix, int skip_sig,
    char *dec, size_t decsz, char *out, size_t outsz)
{
	struct fuzz_kv	 f[AUTH_FIELDS_MAX + 1];
	size_t		 n = 0, i, o = 0, d = 0, got;
	const char	*s = raw, *end = raw + len, *amp, *eq;

	while (s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL || n == AUTH_FIELDS_MAX + 1)
			return -1;
		if (util_pct_decode(s, (size_t)(eq - s), UTIL_PCT_PLUS,
		    dec + d, decsz - d, &got) != UTIL_OK)
			return -1;
		f[n].k = dec + d;
		f[n].klen = got;
		d += got + 1;
		if (util_pct_decode(eq + 1, (size_t)(amp - eq - 1),
		    UTIL_PCT_PLUS, dec + d, decsz - d, &got) != UTIL_OK)
			return -1;
		f[n].v = dec + d;
		f[n].vlen = got;
		d += got + 1;
		n++;
		s = amp + 1;
	}
	qsort(f, n, sizeof(f[0]), kv_cmp);
	if (prefix != NULL) {
		o = strlen(prefix);
		if (o >= outsz)
			return -1;
		memcpy(out, prefix, o);
	}
	for (i = 0; i < n; i++) {
		if ((f[i].klen == 4 && memcmp(f[i].k, "hash", 4) == 0) ||
		    (skip_sig && f[i].klen == 9 &&
		    memcmp(f[i].k, "signature", 9) == 0))
			continue;
		if (outsz - o < f[i].klen + f[i].vlen + 3)
			return -1;
		if (o > (prefix != NULL ? strlen(prefix) : 0))
			out[o++] = '\n';
		memcpy(out + o, f[i].k, f[i].klen);
		o += f[i].klen;
		out[o++] = '=';
		memcpy(out + o, f[i].v, f[i].vlen);
		o += f[i].vlen;
	}
	out[o] = '\0';
	return (long)o;
}

/*
 * Append "&hash=<hex>" (with_sig 0) or "&signature=<b64url>" (with_sig
 * 1) for the len bytes of raw into out (outsz bytes).  Returns 0, or -1
 * when raw cannot be signed or out is too small.
 */
static int
fuzz_sign(const char *raw, size_t len, int with_sig, char *out, size_t outsz)
{
	char		 dec[FUZZ_BUF], dcs[FUZZ_BUF], prefix[64], tag[128];
	uint8_t		 secret[32], mac[64];
	unsigned int	 mlen = 0;
	size_t		 siglen = 64;
	long		 dlen;
	EVP_MD_CTX	*md;
	int		 n, ok;

	if (len + 1 > sizeof(dec))
		return -1;
	if (with_sig) {
		n = snprintf(prefix, sizeof(prefix), "%lld:WebAppData\n",
		    (long long)FUZZ_BOT_ID);
		if (n < 0 || (size_t)n >= sizeof(prefix))
			return -1;
	}
	dlen = fuzz_dcs(raw, len, with_sig ? prefix : NULL, with_sig, dec,
	    sizeof(dec), dcs, sizeof(dcs));
	if (dlen < 0)
		return -1;
	if (with_sig) {
		md = EVP_MD_CTX_new();
		ok = md != NULL &&
		    EVP_DigestSignInit(md, NULL, NULL, NULL, fuzz_sk) == 1 &&
		    EVP_DigestSign(md, mac, &siglen, (uint8_t *)dcs,
		    (size_t)dlen) == 1 && siglen == 64;
		EVP_MD_CTX_free(md);
		if (!ok || util_b64url_encode(mac, 64, tag + 10,
		    sizeof(tag) - 10, NULL) != UTIL_OK)
			return -1;
		memcpy(tag, "signature=", 10);
	} else {
		if (HMAC(EVP_sha256(), "WebAppData", 10,
		    (const uint8_t *)FUZZ_BOT_TOKEN,
		    strlen(FUZZ_BOT_TOKEN), secret, &mlen) == NULL ||
		    HMAC(EVP_sha256(), secret, sizeof(secret),
		    (const uint8_t *)dcs, (size_t)dlen, mac, &mlen) == NULL ||
		    util_hex_encode(mac, 32, tag + 5, sizeof(tag) - 5) !=
		    UTIL_OK)
			return -1;
		memcpy(tag, "hash=", 5);
	}
	n = snprintf(out, outsz, "%.*s%s%s", (int)len, raw,
	    len > 0 ? "&" : "", tag);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return 0;
}

/* ------------------------------------------------------ checks */

static int
all_zero(const void *p, size_t n)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

#define TERMINATED(a)	(memchr((a), '\0', sizeof(a)) != NULL)

/* What auth.h promises about a result and the user it filled. */
static void
check_result(enum auth_result r, const struct auth_user *u)
{
	if ((int)r < AUTH_OK || r > AUTH_ERROR)
		FUZZ_FAIL();
	if (r != AUTH_OK) {
		if (!all_zero(u, sizeof(*u)))
			FUZZ_FAIL();
		return;
	}
	if (u->id <= 0 || u->id > INT64_C(9007199254740991))
		FUZZ_FAIL();
	if (u->proof != AUTH_PROOF_HASH && u->proof != AUTH_PROOF_SIGNATURE)
		FUZZ_FAIL();
	if ((int64_t)FUZZ_NOW - (int64_t)u->auth_date > FUZZ_MAX_AGE ||
	    (int64_t)u->auth_date - (int64_t)FUZZ_NOW > AUTH_CLOCK_SKEW)
		FUZZ_FAIL();
	if (!TERMINATED(u->first_name) || !TERMINATED(u->last_name) ||
	    !TERMINATED(u->username) || !TERMINATED(u->language_code) ||
	    !TERMINATED(u->language) || !TERMINATED(u->photo_url) ||
	    !TERMINATED(u->start_param))
		FUZZ_FAIL();
	if (strcmp(u->language, "ru") != 0 && strcmp(u->language, "en") != 0)
		FUZZ_FAIL();
	if (u->is_premium != 0 && u->is_premium != 1)
		FUZZ_FAIL();
}

/*
 * Check the NUL-terminated s (len bytes) as initData and as header
 * values.  hdr is scratch space of at least len + 5 bytes.
 */
static void
check_initdata(const char *s, size_t len, char *hdr)
{
	struct auth_user	 u1, u2, u3;
	enum auth_result	 r1, r2, r3;

	r1 = auth_check_initdata(&fuzz_cfg, s, FUZZ_NOW, &u1);
	check_result(r1, &u1);
	memcpy(hdr, "tma ", 4);
	memcpy(hdr + 4, s, len + 1);
	r2 = auth_check_header(&fuzz_cfg, hdr, FUZZ_NOW, &u2);
	check_result(r2, &u2);
	/* Same answer unless the header form trims white space away. */
	if (len > 0 && s[0] != ' ' && s[0] != '\t' && s[len - 1] != ' ' &&
	    s[len - 1] != '\t' && (r1 != r2 || memcmp(&u1, &u2,
	    sizeof(u1)) != 0))
		FUZZ_FAIL();
	r3 = auth_check_header(&fuzz_cfg, s, FUZZ_NOW, &u3);
	check_result(r3, &u3);
	(void)auth_strerror(r1);
}

/* Percent coding: in place equals out of place; encode/decode round trip. */
static void
fuzz_pct(const uint8_t *data, size_t size)
{
	const char	*src;
	char		*a, *b, *enc, *sbuf;
	size_t		 n, alen, blen, elen, dlen, small;
	int		 flags, ra, rb, rs;

	if (size < 1)
		return;
	flags = data[0] & 1 ? UTIL_PCT_PLUS : 0;
	small = data[0] >> 1;
	src = (const char *)data + 1;
	n = size - 1;
	a = malloc(n + 1);
	b = malloc(n + 1);
	enc = malloc(3 * n + 1);
	if (a == NULL || b == NULL || enc == NULL)
		goto done;
	ra = util_pct_decode(src, n, flags, a, n + 1, &alen);
	memcpy(b, src, n);
	rb = util_pct_decode(b, n, flags, b, n + 1, &blen);
	if (ra != rb || (ra != UTIL_OK && ra != UTIL_EINVAL))
		FUZZ_FAIL();
	if (ra == UTIL_OK) {
		if (alen > n || blen != alen || a[alen] != '\0' ||
		    memcmp(a, b, alen) != 0)
			FUZZ_FAIL();
		/* Too small a buffer fails cleanly (ASan sees overruns). */
		sbuf = small < n + 1 ? malloc(small + !small) : NULL;
		if (sbuf != NULL) {
			rs = util_pct_decode(src, n, flags, sbuf, small, NULL);
			free(sbuf);
			if (rs != (small > alen ? UTIL_OK : UTIL_ERANGE))
				FUZZ_FAIL();
		}
		if (util_pct_encode(a, alen, enc, 3 * n + 1, &elen) !=
		    UTIL_OK || elen > 3 * alen || enc[elen] != '\0')
			FUZZ_FAIL();
		if (util_pct_decode(enc, elen, 0, b, n + 1, &dlen) !=
		    UTIL_OK || dlen != alen || memcmp(a, b, alen) != 0)
			FUZZ_FAIL();
	}
done:
	free(a);
	free(b);
	free(enc);
}

/* base64url: canonical decoding, so decode then encode gives the input. */
static void
fuzz_b64(const uint8_t *data, size_t size)
{
	const char	*src = (const char *)data;
	uint8_t		*dec, *dec2;
	char		*enc;
	size_t		 cap = size / 4 * 3 + 3, dlen, elen, d2len, nopad;
	int		 r;

	dec = malloc(cap);
	dec2 = malloc(cap);
	enc = malloc(size / 3 * 4 + 8);
	if (dec == NULL || dec2 == NULL || enc == NULL)
		goto done;
	r = util_b64url_decode(src, size, dec, cap, &dlen);
	if (r == UTIL_OK) {
		nopad = size;
		while (nopad > 0 && src[nopad - 1] == '=')
			nopad--;
		if (util_b64url_encode(dec, dlen, enc, size / 3 * 4 + 8,
		    &elen) != UTIL_OK || elen != nopad ||
		    memcmp(enc, src, nopad) != 0)
			FUZZ_FAIL();
		/* One byte short of room must be refused. */
		free(dec2);
		dec2 = malloc(dlen + !dlen);
		if (dec2 == NULL)
			goto done;
		if (dlen > 0 && util_b64url_decode(src, size, dec2, dlen - 1,
		    NULL) != UTIL_ERANGE)
			FUZZ_FAIL();
	} else if (r != UTIL_EINVAL)
		FUZZ_FAIL();
	/* The input as bytes: encode, decode, compare. */
	free(enc);
	enc = malloc(size / 3 * 4 + 5);
	if (enc == NULL)
		goto done;
	if (util_b64url_encode(data, size, enc, size / 3 * 4 + 5, &elen) !=
	    UTIL_OK || strlen(enc) != elen)
		FUZZ_FAIL();
	free(dec2);
	dec2 = malloc(size + 1);
	if (dec2 == NULL)
		goto done;
	if (util_b64url_decode(enc, elen, dec2, size + 1, &d2len) !=
	    UTIL_OK || d2len != size || memcmp(dec2, data, size) != 0)
		FUZZ_FAIL();
done:
	free(dec);
	free(dec2);
	free(enc);
}

/* Hex round trip and the strict integer parser. */
static void
fuzz_hex(const uint8_t *data, size_t size)
{
	uint8_t		*dec;
	char		*enc, *s;
	size_t		 dlen, i;
	int64_t		 v;
	int		 r;

	dec = malloc(size / 2 + 1);
	enc = malloc(size + 1);
	s = malloc(size + 1);
	if (dec == NULL || enc == NULL || s == NULL)
		goto done;
	r = util_hex_decode((const char *)data, size, dec, size / 2, &dlen);
	if (r == UTIL_OK) {
		if (dlen != size / 2 ||
		    util_hex_encode(dec, dlen, enc, size + 1) != UTIL_OK)
			FUZZ_FAIL();
		for (i = 0; i < size; i++) {
			char c = (char)data[i];
			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (enc[i] != c)
				FUZZ_FAIL();
		}
	} else if (r != UTIL_EINVAL)
		FUZZ_FAIL();
	memcpy(s, data, size);
	s[size] = '\0';
	if (util_parse_i64(s, INT64_MIN, INT64_MAX, &v) == 0) {
		char back[32];
		/* Canonical text must come back the same. */
		snprintf(back, sizeof(back), "%lld", (long long)v);
		if (s[0] != '+' && s[0] != '0' &&
		    !(s[0] == '-' && s[1] == '0') && strcmp(back, s) != 0)
			FUZZ_FAIL();
		if (util_parse_i64(s, v + (v < INT64_MAX), INT64_MAX, &v) !=
		    -1 && v != INT64_MAX)
			FUZZ_FAIL();
	}
done:
	free(dec);
	free(enc);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = NULL, *hdr = NULL, *signed_s = NULL;
	size_t	 len;

	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0x01:
		fuzz_pct(data + 1, size - 1);
		return 0;
	case 0x02:
		fuzz_b64(data + 1, size - 1);
		return 0;
	case 0x03:
		fuzz_hex(data + 1, size - 1);
		return 0;
	default:
		break;
	}
	/* A NUL-terminated copy: the API takes C strings. */
	s = malloc(size + 1);
	if (s == NULL)
		goto done;
	memcpy(s, data, size);
	s[size] = '\0';
	if (data[0] == 0x04 || data[0] == 0x05) {
		len = strlen(s + 1);
		if (len > AUTH_INITDATA_MAX)
			goto done;
		signed_s = malloc(FUZZ_BUF);
		if (signed_s == NULL || fuzz_sign(s + 1, len, data[0] == 0x05,
		    signed_s, FUZZ_BUF) != 0)
			goto done;
		free(s);
		s = signed_s;
		signed_s = NULL;
	}
	len = strlen(s);
	hdr = malloc(len + 5);
	if (hdr == NULL)
		goto done;
	check_initdata(s, len, hdr);
done:
	free(s);
	free(hdr);
	free(signed_s);
	return 0;
}

#ifdef FUZZ_INITDATA_SEEDS
/* ------------------------------------------- seed corpus writer */

static void
put(const char *dir, const char *name, const char *s, size_t len)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(s, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A seed whose first byte selects a mode. */
static void
put_mode(const char *dir, const char *name, int mode, const char *s)
{
	char	 buf[FUZZ_BUF];
	size_t	 n = strlen(s);

	buf[0] = (char)mode;
	memcpy(buf + 1, s, n);
	put(dir, name, buf, n + 1);
}

/* Sign fields (encoded) with a hash or a signature; write; check. */
static void
put_signed(const char *dir, const char *name, const char *fields, int sig,
    enum auth_result want)
{
	char			 out[FUZZ_BUF];
	struct auth_user	 u;
	enum auth_result	 r;

	if (fuzz_sign(fields, strlen(fields), sig, out, sizeof(out)) != 0) {
		fprintf(stderr, "%s: cannot sign\n", name);
		exit(1);
	}
	r = auth_check_initdata(&fuzz_cfg, out, FUZZ_NOW, &u);
	if (r != want) {
		fprintf(stderr, "%s: %s, wanted %s\n", name,
		    auth_strerror(r), auth_strerror(want));
		exit(1);
	}
	put(dir, name, out, strlen(out));
}

int
main(int argc, char **argv)
{
	char			 buf[FUZZ_BUF], big[FUZZ_BUF * 2], fields[1024];
	struct auth_user	 u;
	const char		*dir;
	size_t			 n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	LLVMFuzzerInitialize(&argc, &argv);

	/* Valid hash form, exactly as a Telegram client gets it. */
	if (auth_sign_initdata(FUZZ_BOT_TOKEN, 123456789, "Ivan", "ru",
	    (time_t)FUZZ_AUTH_DATE, buf, sizeof(buf)) != 0 ||
	    auth_check_initdata(&fuzz_cfg, buf, FUZZ_NOW, &u) != AUTH_OK)
		return 1;
	put(dir, "valid_hash_ru", buf, strlen(buf));
	n = strlen(buf);
	/* Near misses: one hash digit off, truncated, header forms. */
	buf[n - 1] = buf[n - 1] == '0' ? '1' : '0';
	put(dir, "bad_hash_digit", buf, n);
	put(dir, "truncated", buf, n / 2);
	buf[n - 1] = buf[n - 1] == '0' ? '1' : '0';
	snprintf(big, sizeof(big), "TMA\t %s  ", buf);
	put(dir, "header_tma_tab", big, strlen(big));
	snprintf(big, sizeof(big), "Bearer %s", buf);
	put(dir, "header_bearer", big, strlen(big));
	snprintf(big, sizeof(big), "%s&hash=00", buf);
	put(dir, "duplicate_hash", big, strlen(big));
	snprintf(big, sizeof(big), "%s&", buf);
	put(dir, "trailing_amp", big, strlen(big));

	if (auth_sign_initdata(FUZZ_BOT_TOKEN, INT64_C(9007199254740991),
	    "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0 \xf0\x9f\x8c\xb8", "en-US",
	    (time_t)FUZZ_AUTH_DATE, buf, sizeof(buf)) != 0 ||
	    auth_check_initdata(&fuzz_cfg, buf, FUZZ_NOW, &u) != AUTH_OK)
		return 1;
	put(dir, "valid_hash_utf8_maxid", buf, strlen(buf));
	if (auth_sign_initdata(FUZZ_BOT_TOKEN, 42, "Old", NULL,
	    (time_t)(FUZZ_AUTH_DATE - 2 * FUZZ_MAX_AGE), buf,
	    sizeof(buf)) != 0)
		return 1;
	put(dir, "expired", buf, strlen(buf));

	/* Fuller users, hash and signature forms (signed by us). */
	snprintf(fields, sizeof(fields), "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
	    "&user=%%7B%%22id%%22%%3A279058397%%2C%%22first_name%%22%%3A%%22"
	    "Vladislav%%22%%2C%%22last_name%%22%%3A%%22K%%22%%2C%%22username"
	    "%%22%%3A%%22vdkfrost%%22%%2C%%22language_code%%22%%3A%%22ru%%22"
	    "%%2C%%22is_premium%%22%%3Atrue%%2C%%22allows_write_to_pm%%22%%3A"
	    "true%%2C%%22photo_url%%22%%3A%%22https%%3A%%5C%%2F%%5C%%2Ft.me"
	    "%%5C%%2Fi%%5C%%2Fuserpic%%5C%%2F320%%5C%%2Fx.svg%%22%%7D"
	    "&chat_instance=-8398706133226474357&chat_type=private"
	    "&start_param=outfit_42&auth_date=%lld", (long long)FUZZ_AUTH_DATE);
	put_signed(dir, "valid_hash_full", fields, 0, AUTH_OK);
	put_signed(dir, "valid_signature_full", fields, 1, AUTH_OK);
	put_mode(dir, "resign_hash_full", 0x04, fields);
	put_mode(dir, "resign_sig_full", 0x05, fields);
	/* Both proofs: the signature is a field the hash covers. */
	if (fuzz_sign(fields, strlen(fields), 1, buf, sizeof(buf)) != 0)
		return 1;
	put_signed(dir, "valid_sig_and_hash", buf, 0, AUTH_OK);
	put_mode(dir, "resign_hash_over_sig", 0x04, buf);
	/* A signature over other fields, a padded signature. */
	n = strlen(buf);
	snprintf(big, sizeof(big), "%s", buf);
	big[strlen(fields) - 1] = '1';	/* auth_date ...1 */
	put(dir, "bad_signature", big, strlen(big));
	snprintf(big, sizeof(big), "%s==", buf);
	put(dir, "padded_signature", big, strlen(big));

	/* Authentic, but the content is wrong. */
	snprintf(fields, sizeof(fields), "user=%%7B%%22id%%22%%3A0%%7D"
	    "&auth_date=%lld", (long long)FUZZ_AUTH_DATE);
	put_signed(dir, "user_id_zero", fields, 0, AUTH_MALFORMED);
	snprintf(fields, sizeof(fields), "user=%%7B%%22id%%22%%3A1.5%%7D"
	    "&auth_date=%lld", (long long)FUZZ_AUTH_DATE);
	put_signed(dir, "user_id_float", fields, 0, AUTH_MALFORMED);
	snprintf(fields, sizeof(fields), "user=%%7B%%22id%%22%%3A7%%7D"
	    "&auth_date=%lld", (long long)FUZZ_AUTH_DATE + 3600);
	put_signed(dir, "future", fields, 0, AUTH_EXPIRED);
	put_signed(dir, "no_auth_date", "user=%7B%22id%22%3A7%7D", 0,
	    AUTH_MALFORMED);
	snprintf(fields, sizeof(fields), "auth_date=%lld",
	    (long long)FUZZ_AUTH_DATE);
	put_signed(dir, "no_user", fields, 0, AUTH_MALFORMED);
	snprintf(fields, sizeof(fields), "user={\"id\":5,\"first_name\":"
	    "\"a+b\",\"language_code\":\"be\"}&auth_date=%lld",
	    (long long)FUZZ_AUTH_DATE);
	put_mode(dir, "resign_unencoded_json", 0x04, fields);
	snprintf(fields, sizeof(fields), "user=%%7B%%22id%%22%%3A5%%2C%%22"
	    "first_name%%22%%3A%%22x%%5Cu0000y%%22%%2C%%22is_premium%%22%%3A"
	    "1%%7D&auth_date=+%lld", (long long)FUZZ_AUTH_DATE);
	put_mode(dir, "resign_nul_escape", 0x05, fields);

	/* Malformed shapes. */
	for (i = 0, n = 0; i < AUTH_FIELDS_MAX + 1; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%sk%zu=v",
		    i ? "&" : "", i);
	put(dir, "too_many_fields", big, n);
	put(dir, "bad_percent", "user=%7G&hash=%", 15);
	put(dir, "empty_key", "=x&auth_date=1", 14);
	put(dir, "bad_key_char", "us%21er=1&hash=11", 17);

	/* util modes. */
	put_mode(dir, "pct_mixed", 0x01, "\x7f%41%7a%7A+%e2%82%ac%00x");
	put_mode(dir, "pct_bad", 0x01, "\x02%4");
	put_mode(dir, "b64_sig", 0x02,
	    "3JzYP8mc9lDZbpLUIyKbLFa5iaJRgNS1AyLkHGXtFe5nMYB1vtW4Co3Is6nvs6jR"
	    "ToJzpuWtcl6BUE3Jd2cuDQ");
	put_mode(dir, "b64_pad", 0x02, "QUI=");
	put_mode(dir, "b64_noncanon", 0x02, "QUJ");
	put_mode(dir, "hex", 0x03, "00ff7FaB");
	put_mode(dir, "int", 0x03, "-9223372036854775808");
	return 0;
}
#endif /* FUZZ_INITDATA_SEEDS */
