/*
 * Tests for lib/sigv4: the examples AWS publishes for S3 (exact signatures
 * and, where AWS prints them, the canonical request and string to sign),
 * encoding edge cases, argument checking, and a byte-for-byte comparison
 * with botocore over t/sigv4_botocore.py's cases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "testutil.h"
#include "../lib/sigv4.h"

#define AWS_AK		"AKIAIOSFODNN7EXAMPLE"
#define AWS_SK		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AWS_HOST	"examplebucket.s3.amazonaws.com"
#define T2013		((time_t)1369353600)	/* 2013-05-24T00:00:00Z */

static const struct sigv4_creds aws_creds = {
	AWS_AK, AWS_SK, "us-east-1", "s3", NULL
};

static void test_key_cache(void);

/* SHA-256 hex of a NUL-terminated string into out. */
static void
hash_of(const char *s, char out[SIGV4_HEX_SIZE])
{
	CU_ASSERT_EQUAL(sigv4_sha256_hex(s, strlen(s), out), SIGV4_OK);
}

/*
 * Check one header-signing example all the way through: canonical request
 * (when given), its hash, the string to sign and the signature.
 */
static void
check_header_example(const struct sigv4_request *req, const char *want_cr,
    const char *want_cr_hash, const char *want_signed, const char *want_sig)
{
	struct sigv4_signed	 out;
	char			*cr, *names = NULL, *sts;
	char			 h[SIGV4_HEX_SIZE], want_sts[256], auth[512];
	int			 n;

	cr = sigv4_canonical_request(req, "20130524T000000Z", &names);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	if (want_cr != NULL)
		ASSERT_STR(cr, want_cr);
	ASSERT_STR(names, want_signed);
	hash_of(cr, h);
	ASSERT_STR(h, want_cr_hash);

	n = snprintf(want_sts, sizeof(want_sts), "AWS4-HMAC-SHA256\n"
	    "20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n%s",
	    want_cr_hash);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(want_sts));
	sts = sigv4_string_to_sign(&aws_creds, "20130524T000000Z", cr);
	ASSERT_STR(sts, want_sts);

	CU_ASSERT_EQUAL_FATAL(sigv4_sign_headers(&aws_creds, req, T2013, &out),
	    SIGV4_OK);
	ASSERT_STR(out.signature, want_sig);
	ASSERT_STR(out.amz_date, "20130524T000000Z");
	n = snprintf(auth, sizeof(auth), "AWS4-HMAC-SHA256 Credential="
	    AWS_AK "/20130524/us-east-1/s3/aws4_request, SignedHeaders=%s, "
	    "Signature=%s", want_signed, want_sig);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(auth));
	ASSERT_STR(out.authorization, auth);
	sigv4_signed_free(&out);
	CU_ASSERT_PTR_NULL(out.authorization);
	free(cr);
	free(names);
	free(sts);
}

/* "Example: GET Object" (header-based auth, Range header). */
static void
test_aws_get_object(void)
{
	struct sigv4_header	 h[] = { { "Range", "bytes=0-9" } };
	struct sigv4_request	 req = { "GET", AWS_HOST, "/test.txt", NULL, 0,
	    h, 1, NULL };

	check_header_example(&req,
	    "GET\n/test.txt\n\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n"
	    SIGV4_EMPTY_SHA256,
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
	    "host;range;x-amz-content-sha256;x-amz-date",
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

/* "Example: PUT Object": a signed body, a Date header, a '$' in the key. */
static void
test_aws_put_object(void)
{
	static const char	 body[] = "Welcome to Amazon S3.";
	struct sigv4_header	 h[] = {
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
	};
	struct sigv4_request	 req = { "PUT", AWS_HOST, NULL, NULL, 0, h, 2,
	    NULL };
	char			 ph[SIGV4_HEX_SIZE], *path;

	path = sigv4_uri_encode("/test$file.text", 15, 1);
	ASSERT_STR(path, "/test%24file.text");
	CU_ASSERT_EQUAL(sigv4_sha256_hex(body, strlen(body), ph), SIGV4_OK);
	ASSERT_STR(ph,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	req.path = path;
	req.payload_hash = ph;
	check_header_example(&req,
	    "PUT\n/test%24file.text\n\n"
	    "date:Fri, 24 May 2013 00:00:00 GMT\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:"
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
	    "x-amz-date:20130524T000000Z\n"
	    "x-amz-storage-class:REDUCED_REDUNDANCY\n\n"
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
	    "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
	    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	free(path);
}

/* "Example: GET Bucket Lifecycle": a sub-resource without a value. */
static void
test_aws_get_lifecycle(void)
{
	struct sigv4_param	 q[] = { { "lifecycle", NULL } };
	struct sigv4_request	 req = { "GET", AWS_HOST, "/", q, 1, NULL, 0,
	    NULL };

	check_header_example(&req,
	    "GET\n/\nlifecycle=\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    SIGV4_EMPTY_SHA256,
	    "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
	    "host;x-amz-content-sha256;x-amz-date",
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

/* "Example: Get Bucket (List Objects)": parameters given out of order. */
static void
test_aws_list_objects(void)
{
	struct sigv4_param	 q[] = { { "prefix", "J" }, { "max-keys", "2" } };
	struct sigv4_request	 req = { "GET", AWS_HOST, "/", q, 2, NULL, 0,
	    NULL };

	check_header_example(&req,
	    "GET\n/\nmax-keys=2&prefix=J\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;x-amz-content-sha256;x-amz-date\n"
	    SIGV4_EMPTY_SHA256,
	    "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
	    "host;x-amz-content-sha256;x-amz-date",
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

/* The presigned URL example of sigv4-query-string-auth. */
static void
test_aws_presign(void)
{
	static const char cr[] =
	    "GET\n/test.txt\n"
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	    "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host\n"
	    "host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD";
	struct sigv4_presign	 p = { "GET", "https", AWS_HOST, "/test.txt",
	    NULL, 0, NULL, 0, 86400 };
	char			 h[SIGV4_HEX_SIZE], sig[SIGV4_HEX_SIZE];
	char			*sts, *url;
	int			 err = 1;

	/* The intermediate values AWS prints for this example. */
	hash_of(cr, h);
	ASSERT_STR(h,
	    "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
	sts = sigv4_string_to_sign(&aws_creds, "20130524T000000Z", cr);
	ASSERT_STR(sts, "AWS4-HMAC-SHA256\n20130524T000000Z\n"
	    "20130524/us-east-1/s3/aws4_request\n"
	    "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
	CU_ASSERT_EQUAL(sigv4_signature(&aws_creds, "20130524", sts, sig),
	    SIGV4_OK);
	ASSERT_STR(sig,
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(sts);

	url = sigv4_presign_url(&aws_creds, &p, T2013, &err);
	CU_ASSERT_EQUAL(err, SIGV4_OK);
	ASSERT_STR(url, "https://examplebucket.s3.amazonaws.com/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1"
	    "%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature="
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);

	/* One more second or one more second of validity: a new signature. */
	url = sigv4_presign_url(&aws_creds, &p, T2013 + 1, NULL);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_PTR_NULL(strstr(url ? url : "", "aeeed9bb"));
	free(url);
	p.expires = 86401;
	url = sigv4_presign_url(&aws_creds, &p, T2013, NULL);
	CU_ASSERT_PTR_NOT_NULL(url);
	CU_ASSERT_PTR_NULL(strstr(url ? url : "", "aeeed9bb"));
	free(url);
}

/* "Deriving the signing key" example of the SigV4 documentation (IAM). */
static void
test_signing_key(void)
{
	unsigned char	 key[32];
	char		 hex[SIGV4_HEX_SIZE];
	size_t		 i;

	CU_ASSERT_EQUAL(sigv4_signing_key(
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
	    "us-east-1", "iam", key), SIGV4_OK);
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", key[i]);
	ASSERT_STR(hex,
	    "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
	CU_ASSERT_EQUAL(sigv4_signing_key(NULL, "20120215", "us-east-1",
	    "iam", key), SIGV4_EINVAL);
	CU_ASSERT_EQUAL(sigv4_signing_key("k", "2012/02", "us-east-1",
	    "iam", key), SIGV4_EINVAL);
}

static void
test_sha256_and_time(void)
{
	char	 h[SIGV4_HEX_SIZE], amz[SIGV4_AMZ_DATE_SIZE];
	char	 d[SIGV4_DATE_SIZE];

	CU_ASSERT_EQUAL(sigv4_sha256_hex(NULL, 0, h), SIGV4_OK);
	ASSERT_STR(h, SIGV4_EMPTY_SHA256);
	CU_ASSERT_EQUAL(sigv4_sha256_hex("abc", 3, h), SIGV4_OK);
	ASSERT_STR(h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT_EQUAL(sigv4_sha256_hex(NULL, 1, h), SIGV4_EINVAL);

	CU_ASSERT_EQUAL(sigv4_format_time(0, amz, d), SIGV4_OK);
	ASSERT_STR(amz, "19700101T000000Z");
	ASSERT_STR(d, "19700101");
	CU_ASSERT_EQUAL(sigv4_format_time(1709251199, amz, d), SIGV4_OK);
	ASSERT_STR(amz, "20240229T235959Z");
	ASSERT_STR(d, "20240229");
	CU_ASSERT_EQUAL(sigv4_format_time(1767225599, amz, NULL), SIGV4_OK);
	ASSERT_STR(amz, "20251231T235959Z");
	/* Year 10000 has no 8-digit date. */
	CU_ASSERT_EQUAL(sigv4_format_time((time_t)253402300800LL, amz, d),
	    SIGV4_EINVAL);
}

static void
check_enc(const char *in, size_t len, int keep_slash, const char *want)
{
	char	*got;

	got = sigv4_uri_encode(in, len, keep_slash);
	ASSERT_STR(got, want);
	free(got);
}

static void
test_uri_encode(void)
{
	check_enc("", 0, 1, "");
	check_enc("AZaz09-._~", 10, 0, "AZaz09-._~");
	check_enc("a b+c=d~e", 9, 1, "a%20b%2Bc%3Dd~e");
	check_enc("/a/b c/", 7, 1, "/a/b%20c/");
	check_enc("/a/b c/", 7, 0, "%2Fa%2Fb%20c%2F");
	check_enc("!*'();:@&=+$,?#[]%", 18, 0,
	    "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%3F%23%5B%5D%25");
	/* UTF-8: every byte encoded, upper-case hex. */
	check_enc("\xc3\xbc", 2, 1, "%C3%BC");
	check_enc("日本/платье", strlen("日本/платье"), 1,
	    "%E6%97%A5%E6%9C%AC/%D0%BF%D0%BB%D0%B0%D1%82%D1%8C%D0%B5");
	/* Bytes a C string cannot hold, and the top of the range. */
	check_enc("a\0b\xff", 4, 1, "a%00b%FF");
	check_enc("tab\tnl\n", 7, 1, "tab%09nl%0A");
	/* An encoded string is encoded again, not passed through. */
	check_enc("%20", 3, 1, "%2520");
	CU_ASSERT_PTR_NULL(sigv4_uri_encode(NULL, 0, 1));
}

static void
check_query(const struct sigv4_param *p, size_t n, const char *want)
{
	char	*got;

	got = sigv4_canonical_query(p, n);
	ASSERT_STR(got, want);
	free(got);
}

static void
test_canonical_query(void)
{
	struct sigv4_param	 none[1] = { { "x", "y" } };
	struct sigv4_param	 sorted[] = {
		{ "b", "2" }, { "a", "x y" }, { "a", "1" }, { "a", "" },
	};
	struct sigv4_param	 odd[] = {
		{ "prefix", "ü ñ/+=&?#" }, { "delimiter", "/" },
		{ "list-type", "2" }, { "start-after", "a~b_c-d.e" },
		{ "uploads", NULL },
	};
	/* Sorting is by the encoded name: '%' < 'A' < '_' < 'a'. */
	struct sigv4_param	 order[] = {
		{ "a_b", "1" }, { "A", "2" }, { "a-b", "3" }, { "é", "4" },
		{ "a+b", "5" },
	};

	check_query(none, 0, "");
	check_query(sorted, 4, "a=&a=1&a=x%20y&b=2");
	check_query(odd, 5, "delimiter=%2F&list-type=2&"
	    "prefix=%C3%BC%20%C3%B1%2F%2B%3D%26%3F%23&"
	    "start-after=a~b_c-d.e&uploads=");
	check_query(order, 5, "%C3%A9=4&A=2&a%2Bb=5&a-b=3&a_b=1");
	CU_ASSERT_PTR_NULL(sigv4_canonical_query(NULL, 1));
}

static void
test_header_canonicalisation(void)
{
	struct sigv4_header	 h[] = {
		{ "X-Amz-Meta-Note", "  hello \t  world  " },
		{ "x-amz-meta-dup", "one" },
		{ "Cache-Control", "max-age=60" },
		{ "X-Amz-Meta-Dup", " two " },
		{ "X-Amz-Meta-Empty", "   " },
	};
	struct sigv4_request	 req = { "PUT", "127.0.0.1:4568", "/b/k", NULL,
	    0, h, 5, SIGV4_UNSIGNED_PAYLOAD };
	char			*cr, *names = NULL;

	cr = sigv4_canonical_request(&req, "20300101T120000Z", &names);
	ASSERT_STR(cr, "PUT\n/b/k\n\n"
	    "cache-control:max-age=60\n"
	    "host:127.0.0.1:4568\n"
	    "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20300101T120000Z\n"
	    "x-amz-meta-dup:one,two\n"
	    "x-amz-meta-empty:\n"
	    "x-amz-meta-note:hello world\n\n"
	    "cache-control;host;x-amz-content-sha256;x-amz-date;"
	    "x-amz-meta-dup;x-amz-meta-empty;x-amz-meta-note\n"
	    "UNSIGNED-PAYLOAD");
	ASSERT_STR(names, "cache-control;host;x-amz-content-sha256;"
	    "x-amz-date;x-amz-meta-dup;x-amz-meta-empty;x-amz-meta-note");
	free(cr);
	free(names);
}

/* Bad input is refused, never signed. */
static void
test_rejects(void)
{
	struct sigv4_header	 crlf[] = { { "X-Amz-Meta-A", "a\r\nX-Evil: 1" } };
	struct sigv4_header	 host[] = { { "Host", "evil.example" } };
	struct sigv4_header	 date[] = { { "X-Amz-Date", "20000101T000000Z" } };
	struct sigv4_header	 badname[] = { { "Bad Name", "x" } };
	struct sigv4_param	 amz[] = { { "X-Amz-Signature", "x" } };
	struct sigv4_request	 req = { "GET", "h", "/k", NULL, 0, NULL, 0,
	    NULL };
	struct sigv4_presign	 p = { "GET", "https", "h", "/k", NULL, 0,
	    NULL, 0, 60 };
	struct sigv4_creds	 nocreds = { NULL, "s", "r", "s3", NULL };
	struct sigv4_signed	 out;
	int			 err = 0;
	char			*u;

	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_OK);
	sigv4_signed_free(&out);

	req.headers = crlf;
	req.nheaders = 1;
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	CU_ASSERT_PTR_NULL(out.authorization);
	req.headers = host;
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.headers = date;
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.headers = badname;
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.headers = NULL;
	req.nheaders = 0;

	req.payload_hash = "abc";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934C"
	    "A495991B7852B855";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.payload_hash = NULL;
	req.path = "k";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.path = "/a b";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.path = "/k";
	req.method = "get";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.method = "GET";
	req.host = "h/x";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&aws_creds, &req, T2013, &out),
	    SIGV4_EINVAL);
	req.host = "h";
	CU_ASSERT_EQUAL(sigv4_sign_headers(&nocreds, &req, T2013, &out),
	    SIGV4_EINVAL);

	u = sigv4_presign_url(&aws_creds, &p, T2013, &err);
	CU_ASSERT_PTR_NOT_NULL(u);
	CU_ASSERT_EQUAL(err, SIGV4_OK);
	free(u);
	p.expires = 0;
	CU_ASSERT_PTR_NULL(sigv4_presign_url(&aws_creds, &p, T2013, &err));
	CU_ASSERT_EQUAL(err, SIGV4_EINVAL);
	p.expires = SIGV4_MAX_EXPIRES + 1;
	CU_ASSERT_PTR_NULL(sigv4_presign_url(&aws_creds, &p, T2013, &err));
	p.expires = SIGV4_MAX_EXPIRES;
	p.scheme = "ftp";
	CU_ASSERT_PTR_NULL(sigv4_presign_url(&aws_creds, &p, T2013, &err));
	p.scheme = "https";
	p.query = amz;
	p.nquery = 1;
	CU_ASSERT_PTR_NULL(sigv4_presign_url(&aws_creds, &p, T2013, &err));
	CU_ASSERT_EQUAL(err, SIGV4_EINVAL);
	p.query = NULL;
	p.nquery = 0;
	p.headers = crlf;
	p.nheaders = 1;
	CU_ASSERT_PTR_NULL(sigv4_presign_url(&aws_creds, &p, T2013, &err));
	CU_ASSERT_STRING_EQUAL(sigv4_strerror(SIGV4_EINVAL),
	    "invalid argument");
}

/* ---- comparison with botocore ---------------------------------------- */


/* Decode hex in place (the result is NUL-terminated); its length. */
static ssize_t
unhex(char *s)
{
	size_t	 i, n = strlen(s);
	int	 hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
		lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' :
		    s[2 * i + 1] - 'a' + 10;
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return -1;
		s[i] = (char)(hi << 4 | lo);
	}
	s[n / 2] = '\0';
	return (ssize_t)(n / 2);
}

/* Decode a hex list "name\0value\0..." into at most max pairs. */
static ssize_t
unhex_pairs(char *s, struct sigv4_param *p, size_t max)
{
	ssize_t	 len;
	size_t	 off = 0, n = 0;

	len = unhex(s);
	if (len < 0)
		return -1;
	while (off < (size_t)len) {
		if (n == max)
			return -1;
		p[n].name = s + off;
		off += strlen(s + off) + 1;
		if (off >= (size_t)len + 1)
			return -1;
		p[n].value = s + off;
		off += strlen(s + off) + 1;
		n++;
	}
	return (ssize_t)n;
}

/* Split line at tabs into at most max fields; the count. */
static size_t
split_tabs(char *line, char **f, size_t max)
{
	size_t	 n = 0;
	char	*t;

	while (n < max) {
		f[n++] = line;
		t = strchr(line, '\t');
		if (t == NULL)
			break;
		*t = '\0';
		line = t + 1;
	}
	return n;
}

static int
parse_time(const char *s, time_t *t)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*t = (time_t)v;
	return 0;
}

/* Redo an "H" line with sigv4_sign_headers; 1 if it matches botocore. */
static int
compare_header_line(char **f, size_t nf)
{
	struct sigv4_creds	 creds;
	struct sigv4_request	 req;
	struct sigv4_param	 q[16], hp[16];
	struct sigv4_header	 h[16];
	struct sigv4_signed	 out;
	char			 ph[SIGV4_HEX_SIZE], *path;
	ssize_t			 plen, nq, nh, paylen, i;
	time_t			 t;
	int			 ok;

	if (nf != 17 || parse_time(f[8], &t) == -1)
		return 0;
	creds.access_key = f[2];
	creds.secret_key = f[3];
	creds.region = f[4];
	creds.service = "s3";
	creds.cache = NULL;
	plen = unhex(f[9]);
	nq = unhex_pairs(f[10], q, 16);
	nh = unhex_pairs(f[11], hp, 16);
	paylen = unhex(f[13]);
	if (plen < 0 || nq < 0 || nh < 0 || paylen < 0)
		return 0;
	for (i = 0; i < nh; i++) {
		h[i].name = hp[i].name;
		h[i].value = hp[i].value;
	}
	path = sigv4_uri_encode(f[9], (size_t)plen, 1);
	if (path == NULL)
		return 0;
	if (strcmp(f[12], "unsigned") == 0)
		(void)snprintf(ph, sizeof(ph), "%s", SIGV4_UNSIGNED_PAYLOAD);
	else if (sigv4_sha256_hex(f[13], (size_t)paylen, ph) != SIGV4_OK) {
		free(path);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.method = f[5];
	req.host = f[7];
	req.path = path;
	req.query = q;
	req.nquery = (size_t)nq;
	req.headers = h;
	req.nheaders = (size_t)nh;
	req.payload_hash = ph;
	if (sigv4_sign_headers(&creds, &req, t, &out) != SIGV4_OK) {
		free(path);
		fprintf(stderr, "\nH %s: signing failed\n", f[1]);
		return 0;
	}
	ok = strcmp(out.authorization, f[14]) == 0 &&
	    strcmp(out.amz_date, f[15]) == 0 &&
	    strcmp(out.content_sha256, f[16]) == 0;
	if (!ok)
		fprintf(stderr, "\nH %s:\n  ours     %s | %s | %s\n"
		    "  botocore %s | %s | %s\n", f[1], out.authorization,
		    out.amz_date, out.content_sha256, f[14], f[15], f[16]);
	sigv4_signed_free(&out);
	free(path);
	return ok;
}

/* Redo a "Q" line with sigv4_presign_url; 1 if it matches botocore. */
static int
compare_presign_line(char **f, size_t nf)
{
	struct sigv4_creds	 creds;
	struct sigv4_presign	 p;
	struct sigv4_param	 q[16], hp[16];
	struct sigv4_header	 h[16];
	char			*path, *url, *end;
	ssize_t			 plen, nq, nh, i;
	long			 expires;
	time_t			 t;
	int			 ok;

	if (nf != 14 || parse_time(f[8], &t) == -1)
		return 0;
	errno = 0;
	expires = strtol(f[12], &end, 10);
	if (errno != 0 || end == f[12] || *end != '\0')
		return 0;
	creds.access_key = f[2];
	creds.secret_key = f[3];
	creds.region = f[4];
	creds.service = "s3";
	creds.cache = NULL;
	plen = unhex(f[9]);
	nq = unhex_pairs(f[10], q, 16);
	nh = unhex_pairs(f[11], hp, 16);
	if (plen < 0 || nq < 0 || nh < 0)
		return 0;
	for (i = 0; i < nh; i++) {
		h[i].name = hp[i].name;
		h[i].value = hp[i].value;
	}
	path = sigv4_uri_encode(f[9], (size_t)plen, 1);
	if (path == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	p.method = f[5];
	p.scheme = f[6];
	p.host = f[7];
	p.path = path;
	p.query = q;
	p.nquery = (size_t)nq;
	p.headers = h;
	p.nheaders = (size_t)nh;
	p.expires = expires;
	url = sigv4_presign_url(&creds, &p, t, NULL);
	ok = url != NULL && strcmp(url, f[13]) == 0;
	if (!ok)
		fprintf(stderr, "\nQ %s:\n  ours     %s\n  botocore %s\n", f[1],
		    url ? url : "(null)", f[13]);
	free(url);
	free(path);
	return ok;
}

static void
test_botocore(void)
{
	const char	*srcdir = getenv("srcdir");
	char		 script[4096], *out = NULL, *line, *nl, *f[20];
	char		*argv[3];
	size_t		 nf;
	int		 st, n, compared = 0, matched = 0;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	n = snprintf(script, sizeof(script), "%s/t/sigv4_botocore.py", srcdir);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(script));
	if (access("/usr/bin/python3", X_OK) == -1) {
		fprintf(stderr, "\nSKIP botocore comparison: no "
		    "/usr/bin/python3\n");
		CU_ASSERT(getenv("PRIMERKA_REQUIRE_BOTOCORE") == NULL);
		return;
	}
	argv[0] = "/usr/bin/python3";
	argv[1] = script;
	argv[2] = NULL;
	st = tu_run_capture(argv, &out);
	if (st == 77) {
		fprintf(stderr, "\nSKIP botocore comparison: botocore cannot "
		    "be imported by /usr/bin/python3\n");
		CU_ASSERT(getenv("PRIMERKA_REQUIRE_BOTOCORE") == NULL);
		free(out);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(st, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (line = out; line != NULL && *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		nf = split_tabs(line, f, 20);
		if (strcmp(f[0], "H") == 0) {
			compared++;
			matched += compare_header_line(f, nf);
		} else if (strcmp(f[0], "Q") == 0) {
			compared++;
			matched += compare_presign_line(f, nf);
		}
	}
	fprintf(stderr, "\nbotocore: %d/%d header and presign cases "
	    "identical\n", matched, compared);
	CU_ASSERT(compared >= 20);
	CU_ASSERT_EQUAL(matched, compared);
	free(out);
}

/*
 * A signing-key cache gives the same signatures as deriving the key each
 * time, across a change of date, and is refilled for the new date.
 */
static void
test_key_cache(void)
{
	struct sigv4_key_cache	 cache = { "", { 0 }, NULL };
	struct sigv4_creds	 cached = aws_creds;
	char			 a[SIGV4_HEX_SIZE], b[SIGV4_HEX_SIZE];
	const char		*dates[] = { "20130524", "20130524", "20240101",
	    "20130524" };
	size_t			 i;

	cached.cache = &cache;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		CU_ASSERT_EQUAL(sigv4_signature(&aws_creds, dates[i],
		    "string to sign", a), SIGV4_OK);
		CU_ASSERT_EQUAL(sigv4_signature(&cached, dates[i],
		    "string to sign", b), SIGV4_OK);
		ASSERT_STR(b, a);
		CU_ASSERT_STRING_EQUAL(cache.date, dates[i]);
	}
	/* The published example signature through the cache, twice. */
	CU_ASSERT_EQUAL(sigv4_signature(&cached, "20130524",
	    "string to sign", b), SIGV4_OK);
	CU_ASSERT_EQUAL(sigv4_signature(&aws_creds, "20130525",
	    "string to sign", a), SIGV4_OK);
	CU_ASSERT(strcmp(a, b) != 0);
	sigv4_key_cache_clear(&cache);
}

int
main(void)
{
	CU_pSuite	 s;
	unsigned int	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("sigv4", NULL, NULL);
	if (s == NULL ||
	    CU_add_test(s, "AWS example: GET Object (Range)",
	    test_aws_get_object) == NULL ||
	    CU_add_test(s, "signing-key cache", test_key_cache) == NULL ||
	    CU_add_test(s, "AWS example: PUT Object", test_aws_put_object) ==
	    NULL ||
	    CU_add_test(s, "AWS example: GET Bucket Lifecycle",
	    test_aws_get_lifecycle) == NULL ||
	    CU_add_test(s, "AWS example: GET Bucket (List Objects)",
	    test_aws_list_objects) == NULL ||
	    CU_add_test(s, "AWS example: presigned URL", test_aws_presign) ==
	    NULL ||
	    CU_add_test(s, "AWS example: signing key", test_signing_key) ==
	    NULL ||
	    CU_add_test(s, "sha256 and time format", test_sha256_and_time) ==
	    NULL ||
	    CU_add_test(s, "URI encoding", test_uri_encode) == NULL ||
	    CU_add_test(s, "canonical query", test_canonical_query) == NULL ||
	    CU_add_test(s, "canonical headers",
	    test_header_canonicalisation) == NULL ||
	    CU_add_test(s, "bad input refused", test_rejects) == NULL ||
	    CU_add_test(s, "byte-for-byte against botocore", test_botocore) ==
	    NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed != 0;
}
