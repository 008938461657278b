/*
 * Image quality control and moderation.  See qc.h.
 *
 * Layout: configuration table; reason table (codes and ru/en texts); the
 * analysis image; per-check functions (statistics, composition, tags);
 * qc_check()/qc_check_image(); JSON.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "image.h"
#include "jobs.h"
#include "jsonv.h"
#include "nsfw.h"
#include "qc.h"

#define QC_TILES	8	/* blur tiles per side */
#define QC_BLUR_PCT	0.90	/* tile percentile used as the blur score */
#define QC_FLAT_VAR	16.0	/* luma variance of a tile without content */

/* ------------------------------------------------------------ config */

enum qc_ftype { F_INT, F_SIZE, F_U64, F_DBL };

static const struct qc_field {
	const char	*key;
	enum qc_ftype	 type;
	size_t		 off;
	double		 min, max;
} qc_fields[] = {
	{ "max_bytes", F_SIZE, offsetof(struct qc_config, max_bytes),
	    1, 1024.0 * 1024 * 1024 },
	{ "min_width", F_INT, offsetof(struct qc_config, min_width),
	    1, 65535 },
	{ "min_height", F_INT, offsetof(struct qc_config, min_height),
	    1, 65535 },
	{ "max_width", F_INT, offsetof(struct qc_config, max_width),
	    1, 65535 },
	{ "max_height", F_INT, offsetof(struct qc_config, max_height),
	    1, 65535 },
	{ "max_pixels", F_U64, offsetof(struct qc_config, max_pixels),
	    1, 268435456.0 },
	{ "analysis_side", F_INT, offsetof(struct qc_config, analysis_side),
	    64, 2048 },
	{ "blank_min_stddev", F_DBL,
	    offsetof(struct qc_config, blank_min_stddev), 0, 255 },
	{ "blur_min", F_DBL, offsetof(struct qc_config, blur_min), 0, 1e6 },
	{ "dark_max_p95", F_DBL, offsetof(struct qc_config, dark_max_p95),
	    0, 255 },
	{ "bright_min_p5", F_DBL, offsetof(struct qc_config, bright_min_p5),
	    0, 256 },
	{ "nsfw_max", F_DBL, offsetof(struct qc_config, nsfw_max), 0, 1 },
	{ "result_nsfw_max", F_DBL, offsetof(struct qc_config,
	    result_nsfw_max), 0, 1 },
	{ "sexy_max", F_DBL, offsetof(struct qc_config, sexy_max), 0, 1 },
	{ "catalog_sexy_max", F_DBL,
	    offsetof(struct qc_config, catalog_sexy_max), 0, 1 },
	{ "bg_tolerance", F_DBL, offsetof(struct qc_config, bg_tolerance),
	    1, 442 },
	{ "bg_min_uniform", F_DBL, offsetof(struct qc_config, bg_min_uniform),
	    0, 1 },
	{ "fragment_max", F_DBL, offsetof(struct qc_config, fragment_max),
	    0, 1 },
	{ "fill_min", F_DBL, offsetof(struct qc_config, fill_min), 0, 1 },
	{ "cut_max", F_DBL, offsetof(struct qc_config, cut_max), 0, 1 },
	{ "person_min_size", F_DBL,
	    offsetof(struct qc_config, person_min_size), 0, 1 },
	{ "person_dominance", F_DBL,
	    offsetof(struct qc_config, person_dominance), 1, 100 },
	{ "body_min_visibility", F_DBL,
	    offsetof(struct qc_config, body_min_visibility), 0, 1 },
	{ "body_frame_margin", F_DBL,
	    offsetof(struct qc_config, body_frame_margin), 0, 1 },
	{ "pose_max_tilt", F_DBL,
	    offsetof(struct qc_config, pose_max_tilt), 0, 180 },
	{ "pose_back_width", F_DBL,
	    offsetof(struct qc_config, pose_back_width), 0, 10 },
};
#define QC_NFIELDS	(sizeof(qc_fields) / sizeof(qc_fields[0]))

/*
 * Defaults.  The blur, exposure and composition values were set on the
 * fixtures in ../shared/fixtures (see t/test_qc.c and the README): every
 * ordinary photo passes with a margin, the Gaussian-blurred street photo
 * fails next to its sharp original.
 */
void
qc_config_default(struct qc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_bytes = 32u * 1024 * 1024;
	c->min_width = 256;
	c->min_height = 256;
	c->max_width = 12000;
	c->max_height = 12000;
	c->max_pixels = 50u * 1000 * 1000;
	c->analysis_side = 512;
	c->blank_min_stddev = 6.0;
	c->blur_min = 30.0;
	c->dark_max_p95 = 50.0;
	c->bright_min_p5 = 215.0;
	c->nsfw_max = 0.60;
	c->result_nsfw_max = 0.60;
	c->sexy_max = 0.90;
	c->catalog_sexy_max = 0.90;
	c->bg_tolerance = 40.0;
	c->bg_min_uniform = 0.60;
	c->fragment_max = 0.25;
	c->person_min_size = 0.45;
	c->person_dominance = 1.5;
	c->body_min_visibility = 0.5;
	c->body_frame_margin = 0.02;
	c->pose_max_tilt = 50.0;
	c->pose_back_width = 0.3;
	c->fill_min = 0.08;
	c->cut_max = 0.35;
}

const char *
qc_config_key(size_t i)
{
	return i < QC_NFIELDS ? qc_fields[i].key : NULL;
}

/*
 * Parse value for field f: the whole string must be a number in range.
 * Returns 0 and the number in *d, or -1.
 */
static int
parse_number(const struct qc_field *f, const char *value, double *d)
{
	char		*end;
	long long	 ll;
	double		 v;

	if (value == NULL || *value == '\0')
		return -1;
	errno = 0;
	if (f->type == F_DBL) {
		v = strtod(value, &end);
		if (errno != 0 || *end != '\0' || !isfinite(v))
			return -1;
	} else {
		ll = strtoll(value, &end, 10);
		if (errno != 0 || *end != '\0' || end == value)
			return -1;
		v = (double)ll;
	}
	if (v < f->min || v > f->max)
		return -1;
	*d = v;
	return 0;
}

int
qc_config_set(struct qc_config *c, const char *key, const char *value)
{
	const struct qc_field	*f = NULL;
	double			 v;
	size_t			 i;
	char			*p;

	if (c == NULL || key == NULL)
		return -1;
	for (i = 0; i < QC_NFIELDS; i++)
		if (strcmp(qc_fields[i].key, key) == 0)
			f = &qc_fields[i];
	if (f == NULL || parse_number(f, value, &v) != 0)
		return -1;
	p = (char *)c + f->off;
	switch (f->type) {
	case F_INT: {
		int	 x = (int)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case F_SIZE: {
		size_t	 x = (size_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case F_U64: {
		uint64_t x = (uint64_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	case F_DBL:
		memcpy(p, &v, sizeof(v));
		break;
	}
	return 0;
}

/* ----------------------------------------------------------- reasons */

/*
 * Codes and messages; an entry without a code is a job error code's
 * (job_err), spelled once in lib/jobs.c.
 */
static const struct {
	const char	*code;
	const char	*message[LANG__MAX];	/* en, ru */
	enum job_err	 job_err;
} qc_reasons[QC_R_COUNT] = {
	[QC_R_UNSUPPORTED_FORMAT] = { "unsupported_format", {
	    "This file type is not supported. Please upload a photo in "
	    "JPEG, PNG or WebP format.",
	    "Этот тип файла не поддерживается. Пожалуйста, загрузите фото "
	    "в формате JPEG, PNG или WebP." } },
	[QC_R_CORRUPT] = { "corrupt", {
	    "The file seems damaged or incomplete. Please try uploading it "
	    "again or choose another photo.",
	    "Файл повреждён или загрузился не полностью. Попробуйте "
	    "загрузить его ещё раз или выберите другое фото." } },
	[QC_R_TOO_LARGE] = { "too_large", {
	    "The photo is too large. Please choose a smaller one or reduce "
	    "its size.",
	    "Фото слишком большое. Пожалуйста, выберите фото поменьше или "
	    "уменьшите его размер." } },
	[QC_R_TOO_SMALL] = { "too_small", {
	    "The photo's resolution is too low. Please choose a larger, "
	    "better-quality photo.",
	    "У фото слишком низкое разрешение. Пожалуйста, выберите фото "
	    "побольше и получше качеством." } },
	[QC_R_BLANK] = { "blank", {
	    "The photo looks empty (almost a single colour). Please choose "
	    "another one.",
	    "Фото выглядит пустым (почти одного цвета). Пожалуйста, "
	    "выберите другое." } },
	[QC_R_BLURRY] = { "blurry", {
	    "The photo is too blurry. Please try another, sharper one.",
	    "Фото слишком размытое — попробуйте другое, более чёткое." } },
	[QC_R_TOO_DARK] = { "too_dark", {
	    "The photo is too dark. Please choose one taken in better "
	    "light.",
	    "Фото слишком тёмное. Пожалуйста, выберите снимок, сделанный "
	    "при хорошем освещении." } },
	[QC_R_TOO_BRIGHT] = { "too_bright", {
	    "The photo is overexposed (too bright). Please choose another "
	    "one.",
	    "Фото пересвечено (слишком светлое). Пожалуйста, выберите "
	    "другое." } },
	[QC_R_NSFW] = { "nsfw", {
	    "Sorry, this photo can't be used: it seems to contain explicit "
	    "content. Please choose another one.",
	    "К сожалению, это фото нельзя использовать: похоже, на нём "
	    "откровенное содержание. Пожалуйста, выберите другое." } },
	[QC_R_NSFW_SUGGESTIVE] = { "nsfw_suggestive", {
	    "Sorry, this photo looks too revealing for the fitting room. "
	    "Please choose another one.",
	    "К сожалению, это фото выглядит слишком откровенным для "
	    "примерочной. Пожалуйста, выберите другое." } },
	[QC_R_BAD_BACKGROUND] = { "bad_background", {
	    "Please photograph the item on a plain, uniform background.",
	    "Пожалуйста, сфотографируйте вещь на однотонном ровном фоне." } },
	[QC_R_GARMENT_TOO_SMALL] = { "garment_too_small", {
	    "The item takes up too little of the frame. Please crop the "
	    "photo or shoot closer.",
	    "Вещь занимает слишком мало места в кадре. Пожалуйста, обрежьте "
	    "фото или снимите ближе." } },
	[QC_R_GARMENT_CUT_OFF] = { "garment_cut_off", {
	    "The item is cut off by the edge of the frame. Please show it "
	    "whole.",
	    "Вещь обрезана краем кадра. Пожалуйста, покажите её целиком." } },
	[QC_R_NO_PERSON] = { "no_person", {
	    "We couldn't find a person in this photo. Please upload a photo "
	    "of yourself.",
	    "Мы не нашли на фото человека. Пожалуйста, загрузите своё "
	    "фото." } },
	[QC_R_SEVERAL_PEOPLE] = { "several_people", {
	    "There are several people in this photo and none stands out. "
	    "Please upload a photo where you are the main subject.",
	    "На фото несколько человек, и никто не выделяется. Пожалуйста, "
	    "загрузите фото, где вы — главный герой кадра." } },
	[QC_R_PERSON_TOO_SMALL] = { "person_too_small", {
	    "The person in the photo is too small. Please upload a photo "
	    "taken closer, where you fill most of the frame.",
	    "Человек на фото слишком маленький. Пожалуйста, загрузите "
	    "снимок, сделанный ближе, где вы занимаете большую часть "
	    "кадра." } },
	[QC_R_BODY_CUT_OFF] = { NULL, { NULL, NULL }, JOB_ERR_BODY_CUT_OFF },
	[QC_R_POSE_UNSUITABLE] = { NULL, { NULL, NULL },
	    JOB_ERR_POSE_UNSUITABLE },
};

const char *
qc_reason_code(enum qc_reason r)
{
	if ((int)r < 0 || r >= QC_R_COUNT)
		return "unknown";
	if (qc_reasons[r].code == NULL)
		return job_error_name(qc_reasons[r].job_err);
	return qc_reasons[r].code;
}

const char *
qc_reason_message(enum qc_reason r, enum lang l)
{
	if ((int)r < 0 || r >= QC_R_COUNT)
		return "";
	if ((unsigned)l >= LANG__MAX)
		l = LANG_EN;
	if (qc_reasons[r].code == NULL)
		return job_errors[qc_reasons[r].job_err].message[l];
	return qc_reasons[r].message[l];
}

const char *
qc_kind_name(enum qc_kind k)
{
	switch (k) {
	case QC_USER_PHOTO:
		return "user_photo";
	case QC_OUTFIT:
		return "outfit";
	case QC_LOCATION:
		return "location";
	}
	return "unknown";
}

int
qc_kind_parse(const char *name, enum qc_kind *k)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "user_photo") == 0 || strcmp(name, "user") == 0)
		*k = QC_USER_PHOTO;
	else if (strcmp(name, "outfit") == 0)
		*k = QC_OUTFIT;
	else if (strcmp(name, "location") == 0)
		*k = QC_LOCATION;
	else
		return -1;
	return 0;
}

int
qc_has_reason(const struct qc_report *r, enum qc_reason reason)
{
	int	 i;

	for (i = 0; i < r->nreasons; i++)
		if (r->reasons[i] == reason)
			return 1;
	return 0;
}

/* Record a reason once, keeping enum order. */
static void
add_reason(struct qc_report *r, enum qc_reason reason)
{
	int	 i, j;

	if (qc_has_reason(r, reason) || r->nreasons >= QC_R_COUNT)
		return;
	for (i = 0; i < r->nreasons && r->reasons[i] < reason; i++)
		;
	for (j = r->nreasons; j > i; j--)
		r->reasons[j] = r->reasons[j - 1];
	r->reasons[i] = reason;
	r->nreasons++;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------ analysis image */

/*
 * Make the analysis image: longer side exactly side px (area average
 * down, bilinear up), alpha composited over white and then set opaque.
 * Returns an image_err.
 */
static int
make_analysis(const struct image *src, int side, struct image *out)
{
	int	 tw, th, rc;
	size_t	 i, n;

	memset(out, 0, sizeof(*out));
	if (src->w >= src->h) {
		tw = side;
		th = (int)(((int64_t)src->h * side + src->w / 2) / src->w);
	} else {
		th = side;
		tw = (int)(((int64_t)src->w * side + src->h / 2) / src->h);
	}
	if (tw < 1)
		tw = 1;
	if (th < 1)
		th = 1;
	if (tw == src->w && th == src->h) {
		rc = image_new(tw, th, out);
		if (rc != IMAGE_OK)
			return rc;
		memcpy(out->px, src->px, (size_t)tw * th * 4);
	} else {
		rc = image_resize(src, tw, th, out);
		if (rc != IMAGE_OK)
			return rc;
	}
	n = (size_t)out->w * out->h;
	for (i = 0; i < n; i++) {
		unsigned char	*p = out->px + i * 4;
		unsigned	 a = p[3];

		if (a == 255)
			continue;
		p[0] = (unsigned char)((p[0] * a + 255 * (255 - a) + 127) / 255);
		p[1] = (unsigned char)((p[1] * a + 255 * (255 - a) + 127) / 255);
		p[2] = (unsigned char)((p[2] * a + 255 * (255 - a) + 127) / 255);
		p[3] = 255;
	}
	return IMAGE_OK;
}

static inline int
luma8(const unsigned char *p)
{
	/* BT.601 weights in 8.8 fixed point. */
	return (77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8;
}

/* Value at fraction q (0..1) of a 256-bin histogram of n samples. */
static double
hist_pct(const uint32_t *h, size_t n, double q)
{
	size_t	 want = (size_t)(q * (double)(n - 1)), acc = 0;
	int	 i;

	for (i = 0; i < 256; i++) {
		acc += h[i];
		if (acc > want)
			return i;
	}
	return 255;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Blank, exposure and blur statistics on the analysis image.  luma (w*h
 * bytes) is filled here; sm (w*h uint16) is scratch.
 *
 * Blur: luma is smoothed with the separable [1 2 1] kernel (kept at 16x
 * scale, no rounding) before the 3x3 Laplacian, i.e. a small Laplacian
 * of Gaussian.  The smoothing makes the score insensitive to the last
 * resampling step and to JPEG/sensor noise, so the same scene scores
 * alike whatever the upload's resolution; real defocus or motion blur
 * still drops it by an order of magnitude.
 */
static void
stats(const struct image *img, unsigned char *luma, uint16_t *sm,
    struct qc_report *r)
{
	const int	 w = img->w, h = img->h;
	const size_t	 n = (size_t)w * h;
	uint32_t	 hist[256] = { 0 };
	double		 s[3] = { 0 }, ss[3] = { 0 }, sd, lsum = 0, lsq = 0;
	double		 tsum[QC_TILES * QC_TILES] = { 0 };
	double		 tsq[QC_TILES * QC_TILES] = { 0 };
	double		 tn[QC_TILES * QC_TILES] = { 0 };
	double		 tlsum[QC_TILES * QC_TILES] = { 0 };
	double		 tlsq[QC_TILES * QC_TILES] = { 0 };
	double		 tv[QC_TILES * QC_TILES], mean, lmean;
	size_t		 i, nl = 0, strong = 0;
	int		 x, y, c, t, nt = 0;

	for (i = 0; i < n; i++) {
		const unsigned char *p = img->px + i * 4;

		for (c = 0; c < 3; c++) {
			s[c] += p[c];
			ss[c] += (double)p[c] * p[c];
		}
		luma[i] = (unsigned char)luma8(p);
		hist[luma[i]]++;
	}
	r->stddev = 0;
	for (c = 0; c < 3; c++) {
		mean = s[c] / (double)n;
		sd = sqrt(fmax(ss[c] / (double)n - mean * mean, 0.0));
		if (sd > r->stddev)
			r->stddev = sd;
	}
	mean = 0;
	for (i = 0; i < 256; i++)
		mean += (double)i * hist[i];
	r->luma_mean = mean / (double)n;
	r->luma_p5 = hist_pct(hist, n, 0.05);
	r->luma_p50 = hist_pct(hist, n, 0.50);
	r->luma_p95 = hist_pct(hist, n, 0.95);
	r->dark_share = 0;
	r->bright_share = 0;
	for (i = 0; i < 16; i++)
		r->dark_share += hist[i];
	for (i = 240; i < 256; i++)
		r->bright_share += hist[i];
	r->dark_share /= (double)n;
	r->bright_share /= (double)n;
	r->lap_var = 0;
	r->blur_score = 0;
	r->edge_density = 0;
	if (w < 5 || h < 5)
		return;

	/* [1 2 1] horizontally into sm (x4), then vertically (x16). */
	for (y = 0; y < h; y++) {
		const unsigned char *l = luma + (size_t)y * w;
		uint16_t	*o = sm + (size_t)y * w;

		o[0] = (uint16_t)(4 * l[0]);
		o[w - 1] = (uint16_t)(4 * l[w - 1]);
		for (x = 1; x < w - 1; x++)
			o[x] = (uint16_t)(l[x - 1] + 2 * l[x] + l[x + 1]);
	}
	for (x = 0; x < w; x++) {
		uint16_t	 up = sm[x], cur = sm[x];

		for (y = 0; y < h; y++) {
			uint16_t dn = y + 1 < h ? sm[(size_t)(y + 1) * w + x] :
			    cur;

			sm[(size_t)y * w + x] = (uint16_t)(up + 2 * cur + dn);
			up = cur;
			cur = dn;
		}
	}

	/* Laplacian of the smoothed luma; per-tile sums by position. */
	for (y = 2; y < h - 2; y++) {
		const uint16_t	*s0 = sm + (size_t)(y - 1) * w;
		const uint16_t	*s1 = s0 + w, *s2 = s1 + w;
		const unsigned char *l0 = luma + (size_t)(y - 1) * w;
		const unsigned char *l1 = l0 + w, *l2 = l1 + w;
		int		 ty = y * QC_TILES / h;

		for (x = 2; x < w - 2; x++) {
			/* /16: back to luma units. */
			double	 d = (s0[x] + s2[x] + s1[x - 1] + s1[x + 1] -
				    4 * s1[x]) / 16.0;
			int	 gx = l1[x + 1] - l1[x - 1];
			int	 gy = l2[x] - l0[x];

			t = ty * QC_TILES + x * QC_TILES / w;
			tsum[t] += d;
			tsq[t] += d * d;
			tn[t] += 1;
			tlsum[t] += l1[x];
			tlsq[t] += (double)l1[x] * l1[x];
			lsum += d;
			lsq += d * d;
			nl++;
			if (abs(gx) + abs(gy) > 48)
				strong++;
		}
	}
	if (nl == 0)
		return;
	lmean = lsum / (double)nl;
	r->lap_var = fmax(lsq / (double)nl - lmean * lmean, 0.0);
	r->edge_density = (double)strong / (double)nl;
	/*
	 * Only tiles with some content take part: a flat tile says nothing
	 * about focus, and a small item on a plain backdrop must not look
	 * blurry because of the backdrop.
	 */
	for (t = 0; t < QC_TILES * QC_TILES; t++) {
		if (tn[t] < 16 || tlsq[t] / tn[t] - (tlsum[t] / tn[t]) *
		    (tlsum[t] / tn[t]) < QC_FLAT_VAR)
			continue;
		mean = tsum[t] / tn[t];
		tv[nt++] = fmax(tsq[t] / tn[t] - mean * mean, 0.0);
	}
	if (nt == 0) {
		r->blur_score = r->lap_var;
		return;
	}
	qsort(tv, (size_t)nt, sizeof(tv[0]), cmp_double);
	r->blur_score = tv[(int)ceil(QC_BLUR_PCT * nt) - 1];
}

/* ------------------------------------------------------- composition */

/*
 * Is pixel p background, given the background colour bg?  Either close
 * to it (RGB distance <= tol) or a shadow of it: darker, and close to bg
 * scaled down to p's brightness.
 */
static int
is_bg(const unsigned char *p, const double bg[3], double bgl, double tol)
{
	double	 d0 = p[0] - bg[0], d1 = p[1] - bg[1], d2 = p[2] - bg[2];
	double	 l, k;

	if (d0 * d0 + d1 * d1 + d2 * d2 <= tol * tol)
		return 1;
	l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
	if (bgl < 1 || l >= bgl)
		return 0;
	k = l / bgl;
	if (k < 0.2)
		return 0;
	d0 = p[0] - bg[0] * k;
	d1 = p[1] - bg[1] * k;
	d2 = p[2] - bg[2] * k;
	return d0 * d0 + d1 * d1 + d2 * d2 <= (tol * k) * (tol * k);
}

/*
 * Outfit composition.  The background colour is the most common colour
 * (4 bits per channel) of a border ring, refined to the mean of the ring
 * pixels in that bin; the item is whatever is not background.  Measures:
 * how much of the ring is background (plain backdrop?), the item's share
 * of the frame and bounding box, and how much of each edge line it
 * covers (cut off?).  Returns 0 or -1 (no memory).
 */
static int
composition(const struct qc_config *c, const struct image *img,
    const unsigned char *luma, struct qc_report *r)
{
	uint32_t	 ihist[256] = { 0 };
	const int	 w = img->w, h = img->h;
	int		 bw, x, y, e, best = 0, inring;
	uint32_t	*bins;
	double		 acc[3] = { 0 }, bg[3], bgl, cnt = 0, ring = 0, ringbg = 0;
	double		 fg = 0;
	int		*colfg = NULL, *rowfg = NULL;
	int		 x0, x1, y0, y1, rc = -1;
	unsigned char	*mask = NULL;
	double		 border = 0;

	bins = calloc(4096, sizeof(*bins));
	colfg = calloc((size_t)w, sizeof(*colfg));
	rowfg = calloc((size_t)h, sizeof(*rowfg));
	mask = malloc((size_t)w * h);
	if (bins == NULL || colfg == NULL || rowfg == NULL || mask == NULL)
		goto fail;
	bw = (w < h ? w : h) / 32;
	if (bw < 2)
		bw = 2;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *p = img->px +
			    ((size_t)y * w + x) * 4;

			if (x >= bw && x < w - bw && y >= bw && y < h - bw)
				continue;
			bins[(p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4]++;
		}
	for (x = 1; x < 4096; x++)
		if (bins[x] > bins[best])
			best = x;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *p = img->px +
			    ((size_t)y * w + x) * 4;

			if (x >= bw && x < w - bw && y >= bw && y < h - bw)
				continue;
			if (((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4) !=
			    best)
				continue;
			acc[0] += p[0];
			acc[1] += p[1];
			acc[2] += p[2];
			cnt++;
		}
	for (e = 0; e < 3; e++) {
		bg[e] = cnt > 0 ? acc[e] / cnt : 255;
		r->bg_rgb[e] = (unsigned char)lround(bg[e]);
	}
	bgl = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2];

	memset(r->edge, 0, sizeof(r->edge));
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *p = img->px +
			    ((size_t)y * w + x) * 4;
			int	 b = is_bg(p, bg, bgl, c->bg_tolerance);

			mask[(size_t)y * w + x] = !b;
			inring = !(x >= bw && x < w - bw && y >= bw &&
			    y < h - bw);
			if (inring) {
				ring++;
				ringbg += b;
			}
			if (b)
				continue;
			fg++;
			ihist[luma[(size_t)y * w + x]]++;
			colfg[x]++;
			rowfg[y]++;
			/* Edge lines one pixel in (skips edge artefacts). */
			if (y == 1)
				r->edge[0]++;
			if (x == w - 2)
				r->edge[1]++;
			if (y == h - 2)
				r->edge[2]++;
			if (x == 1)
				r->edge[3]++;
		}
	r->bg_uniform = ring > 0 ? ringbg / ring : 0;
	r->fill = fg / ((double)w * h);
	r->edge[0] /= w;
	r->edge[2] /= w;
	r->edge[1] /= h;
	r->edge[3] /= h;
	r->edge_max = 0;
	for (e = 0; e < 4; e++)
		if (r->edge[e] > r->edge_max)
			r->edge_max = r->edge[e];
	/* Box over rows/columns with at least 2% item pixels. */
	for (x0 = 0; x0 < w && colfg[x0] * 50 < h; x0++)
		;
	for (x1 = w - 1; x1 >= x0 && colfg[x1] * 50 < h; x1--)
		;
	for (y0 = 0; y0 < h && rowfg[y0] * 50 < w; y0++)
		;
	for (y1 = h - 1; y1 >= y0 && rowfg[y1] * 50 < w; y1--)
		;
	if (x0 <= x1 && y0 <= y1) {
		r->bbox[0] = (double)x0 / w;
		r->bbox[1] = (double)y0 / h;
		r->bbox[2] = (double)(x1 + 1) / w;
		r->bbox[3] = (double)(y1 + 1) / h;
	} else
		memset(r->bbox, 0, sizeof(r->bbox));
	/*
	 * Item pixels with a background 4-neighbour, per item pixel: low
	 * for a solid object, high when "item" is texture or noise that
	 * merely differs from the backdrop colour.
	 */
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			const unsigned char *m = mask + (size_t)y * w + x;

			if (*m && (!m[-1] || !m[1] || !m[-w] || !m[w]))
				border++;
		}
	r->fragmented = fg > 0 ? border / fg : 0;
	r->item_p5 = fg > 0 ? hist_pct(ihist, (size_t)fg, 0.05) : 0;
	r->comp_done = 1;
	rc = 0;
fail:
	free(bins);
	free(colfg);
	free(rowfg);
	free(mask);
	return rc;
}

/* -------------------------------------------------------------- tags */

/* Named colours: en, ru (nominative masculine, for "... цвета"). */
enum qc_cname {
	CN_BLACK, CN_GREY, CN_WHITE, CN_RED, CN_ORANGE, CN_BROWN, CN_YELLOW,
	CN_GREEN, CN_TEAL, CN_BLUE, CN_PURPLE, CN_PINK, CN_COUNT
};

static const char *const cname_en[CN_COUNT] = {
	"black", "grey", "white", "red", "orange", "brown", "yellow",
	"green", "teal", "blue", "purple", "pink"
};
static const char *const cname_ru[CN_COUNT] = {
	"чёрный", "серый", "белый", "красный", "оранжевый", "коричневый",
	"жёлтый", "зелёный", "бирюзовый", "синий", "фиолетовый", "розовый"
};

/* RGB to hue (degrees), saturation and value (0..1). */
static void
rgb_hsv(const unsigned char *p, double *hue, double *sat, double *val)
{
	int	 mx = p[0], mn = p[0], d;
	double	 hh;

	if (p[1] > mx)
		mx = p[1];
	if (p[2] > mx)
		mx = p[2];
	if (p[1] < mn)
		mn = p[1];
	if (p[2] < mn)
		mn = p[2];
	d = mx - mn;
	*val = mx / 255.0;
	*sat = mx > 0 ? (double)d / mx : 0;
	if (d == 0)
		hh = 0;
	else if (mx == p[0])
		hh = 60.0 * fmod((double)(p[1] - p[2]) / d + 6.0, 6.0);
	else if (mx == p[1])
		hh = 60.0 * ((double)(p[2] - p[0]) / d + 2.0);
	else
		hh = 60.0 * ((double)(p[0] - p[1]) / d + 4.0);
	*hue = hh;
}

static enum qc_cname
colour_name(double hue, double sat, double val)
{
	if (val < 0.18)
		return CN_BLACK;
	if (sat < 0.18 || (sat < 0.3 && val < 0.35))
		return val > 0.82 ? CN_WHITE : CN_GREY;
	if (hue < 15 || hue >= 345)
		return val < 0.45 ? CN_BROWN : CN_RED;
	if (hue < 45)
		return val < 0.65 ? CN_BROWN : CN_ORANGE;
	if (hue < 70)
		return val < 0.45 ? CN_BROWN : CN_YELLOW;
	if (hue < 165)
		return CN_GREEN;
	if (hue < 195)
		return CN_TEAL;
	if (hue < 255)
		return CN_BLUE;
	if (hue < 290)
		return CN_PURPLE;
	return CN_PINK;
}

static void
add_tag(struct qc_report *r, const char *t)
{
	if (r->ntags >= QC_MAX_TAGS)
		return;
	snprintf(r->tags[r->ntags], QC_TAG_LEN, "%s", t);
	r->ntags++;
}

/* Append to a description buffer; silently stops when full. */
static void
cat(char *buf, size_t len, const char *s)
{
	size_t	 n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

/*
 * Location tags and description, from cheap and honest cues: colour
 * names (HSV bins), brightness, colourfulness (Hasler-Suesstrunk),
 * smooth light blue in the top third ("sky"; a blue studio backdrop
 * counts too), textured green ("greenery"), warm/cool cast, detail (edge
 * density), contrast, orientation.  Time of day is claimed only when the
 * cues are strong (blue sky and light: day; a black top third with light
 * sources: night).  Nothing is claimed that these numbers cannot show
 * (no "indoor"/"outdoor", no objects).
 */
static void
tags(const struct image *img, const unsigned char *luma,
    struct qc_report *r)
{
	const size_t	 n = (size_t)img->w * img->h;
	double		 share[CN_COUNT] = { 0 }, sum[CN_COUNT][3];
	double		 rg, yb, srg = 0, syb = 0, qrg = 0, qyb = 0, mr, my;
	double		 sr = 0, sb = 0, hue, sat, val, top = 0, sky = 0;
	double		 green = 0, greentex = 0, topdark = 0, lsd;
	const int	 w = img->w, h = img->h;
	int		 px, py;
	const char	*cf_en = NULL, *cf_ru = NULL, *or_en, *or_ru, *br_ru;
	const char	*br_en;
	size_t		 i;
	int		 k, j, used[CN_COUNT] = { 0 };
	char		*de = r->description[LANG_EN];
	char		*dr = r->description[LANG_RU];

	memset(sum, 0, sizeof(sum));
	for (i = 0; i < n; i++) {
		const unsigned char *p = img->px + i * 4;
		enum qc_cname	 cn;

		rgb_hsv(p, &hue, &sat, &val);
		cn = colour_name(hue, sat, val);
		share[cn]++;
		sum[cn][0] += p[0];
		sum[cn][1] += p[1];
		sum[cn][2] += p[2];
		rg = (double)p[0] - p[1];
		yb = 0.5 * ((double)p[0] + p[1]) - p[2];
		srg += rg;
		syb += yb;
		qrg += rg * rg;
		qyb += yb * yb;
		sr += p[0];
		sb += p[2];
		px = (int)(i % (size_t)w);
		py = (int)(i / (size_t)w);
		if (hue >= 70 && hue < 170 && sat >= 0.25 && val >= 0.15) {
			green++;
			/* Foliage is textured; felt, paint and cloth are not. */
			if (px > 0 && px < w - 1 && py > 0 && py < h - 1 &&
			    abs(luma[i + 1] - luma[i - 1]) +
			    abs(luma[i + (size_t)w] - luma[i - (size_t)w]) > 20)
				greentex++;
		}
		if (py < h / 3) {
			top++;
			/* Sky: light blue and smooth (flags, walls have
			 * edges more often). */
			if (hue >= 190 && hue < 250 && sat >= 0.12 &&
			    val >= 0.62 && px > 0 && px < w - 1 && py > 0 &&
			    abs(luma[i + 1] - luma[i - 1]) +
			    abs(luma[i + (size_t)w] - luma[i - (size_t)w]) <= 12)
				sky++;
			if (luma[i] < 40)
				topdark++;
		}
	}
	mr = srg / (double)n;
	my = syb / (double)n;
	r->colourfulness = sqrt(fmax(qrg / (double)n - mr * mr, 0) +
	    fmax(qyb / (double)n - my * my, 0)) + 0.3 * sqrt(mr * mr + my * my);
	r->warmth = (sr - sb) / (double)n;
	r->sky_share = top > 0 ? sky / top : 0;
	/* Green counts as vegetation only when a third of it is textured. */
	r->green_share = green > 0 && greentex / green >= 0.33 ?
	    green / (double)n : 0;

	/* Dominant colours: up to three with at least 8% of the pixels. */
	r->ncolours = 0;
	for (k = 0; k < QC_MAX_COLOURS; k++) {
		int	 bi = -1;

		for (j = 0; j < CN_COUNT; j++)
			if (!used[j] && (bi < 0 || share[j] > share[bi]))
				bi = j;
		if (bi < 0 || share[bi] / (double)n < 0.08)
			break;
		used[bi] = 1;
		r->colours[k].name = cname_en[bi];
		r->colours[k].name_ru = cname_ru[bi];
		r->colours[k].share = share[bi] / (double)n;
		for (j = 0; j < 3; j++)
			r->colours[k].rgb[j] = (unsigned char)lround(
			    sum[bi][j] / share[bi]);
		r->ncolours++;
	}

	if (r->luma_mean < 60) {
		r->brightness = "dark";
		br_en = "Dark";
		br_ru = "Тёмная";
	} else if (r->luma_mean < 100) {
		r->brightness = "dim";
		br_en = "Dim";
		br_ru = "Сумрачная";
	} else if (r->luma_mean < 165) {
		r->brightness = "moderate";
		br_en = "Moderately lit";
		br_ru = "Умеренно освещённая";
	} else {
		r->brightness = "bright";
		br_en = "Bright";
		br_ru = "Светлая";
	}
	/*
	 * Day: blue sky in a reasonably lit picture.  Night: the top third
	 * mostly black while light sources shine somewhere.  Otherwise we
	 * do not guess.
	 */
	if (r->sky_share >= 0.2 && r->luma_mean >= 90)
		r->time_of_day = "day";
	else if (top > 0 && topdark / top >= 0.6 && r->luma_p50 < 60 &&
	    r->bright_share >= 0.002)
		r->time_of_day = "night";
	else
		r->time_of_day = "unknown";
	if (r->colourfulness >= 55) {
		cf_en = "colourful";
		cf_ru = "красочная";
	} else if (r->colourfulness < 8) {
		cf_en = "monochrome";
		cf_ru = "почти монохромная";
	} else if (r->colourfulness < 20) {
		cf_en = "muted";
		cf_ru = "приглушённая";
	}
	if (img->w * 10 > img->h * 11) {
		or_en = "landscape";
		or_ru = "горизонтальная";
	} else if (img->h * 10 > img->w * 11) {
		or_en = "portrait";
		or_ru = "вертикальная";
	} else {
		or_en = "square";
		or_ru = "квадратная";
	}
	/* Luma spread from the percentiles: cheap contrast cue. */
	lsd = r->luma_p95 - r->luma_p5;

	r->ntags = 0;
	add_tag(r, r->brightness);
	if (cf_en != NULL)
		add_tag(r, cf_en);
	if (r->warmth > 20)
		add_tag(r, "warm");
	else if (r->warmth < -10)
		add_tag(r, "cool");
	if (r->sky_share >= 0.2)
		add_tag(r, "sky");
	if (r->green_share >= 0.15)
		add_tag(r, "greenery");
	if (strcmp(r->time_of_day, "unknown") != 0)
		add_tag(r, r->time_of_day);
	if (r->edge_density >= 0.12)
		add_tag(r, "detailed");
	else if (r->edge_density < 0.03)
		add_tag(r, "minimal");
	if (lsd >= 200)
		add_tag(r, "high_contrast");
	else if (lsd < 80)
		add_tag(r, "low_contrast");
	add_tag(r, or_en);
	for (k = 0; k < r->ncolours; k++)
		add_tag(r, r->colours[k].name);

	/* "Bright, colourful landscape scene with sky and greenery, ..." */
	de[0] = '\0';
	dr[0] = '\0';
	cat(de, QC_DESC_LEN, br_en);
	cat(dr, QC_DESC_LEN, br_ru);
	if (cf_en != NULL) {
		cat(de, QC_DESC_LEN, ", ");
		cat(de, QC_DESC_LEN, cf_en);
		cat(dr, QC_DESC_LEN, ", ");
		cat(dr, QC_DESC_LEN, cf_ru);
	}
	cat(de, QC_DESC_LEN, " ");
	cat(de, QC_DESC_LEN, or_en);
	cat(de, QC_DESC_LEN, " scene");
	cat(dr, QC_DESC_LEN, " ");
	cat(dr, QC_DESC_LEN, or_ru);
	cat(dr, QC_DESC_LEN, " сцена");
	if (r->sky_share >= 0.2 && r->green_share >= 0.15) {
		cat(de, QC_DESC_LEN, " with sky and greenery");
		cat(dr, QC_DESC_LEN, " с небом и зеленью");
	} else if (r->sky_share >= 0.2) {
		cat(de, QC_DESC_LEN, " with sky");
		cat(dr, QC_DESC_LEN, " с небом");
	} else if (r->green_share >= 0.15) {
		cat(de, QC_DESC_LEN, " with greenery");
		cat(dr, QC_DESC_LEN, " с зеленью");
	}
	if (r->ncolours > 0) {
		cat(de, QC_DESC_LEN, ", mostly ");
		cat(dr, QC_DESC_LEN, "; преобладают цвета: ");
		for (k = 0; k < r->ncolours; k++) {
			if (k > 0) {
				cat(de, QC_DESC_LEN, k == r->ncolours - 1 ?
				    " and " : ", ");
				cat(dr, QC_DESC_LEN, k == r->ncolours - 1 ?
				    " и " : ", ");
			}
			cat(de, QC_DESC_LEN, r->colours[k].name);
			cat(dr, QC_DESC_LEN, r->colours[k].name_ru);
		}
	}
	if (r->warmth > 20) {
		cat(de, QC_DESC_LEN, ", in warm tones");
		cat(dr, QC_DESC_LEN, ", тёплые тона");
	} else if (r->warmth < -10) {
		cat(de, QC_DESC_LEN, ", in cool tones");
		cat(dr, QC_DESC_LEN, ", холодные тона");
	}
	if (strcmp(r->time_of_day, "day") == 0) {
		cat(de, QC_DESC_LEN, "; probably daytime");
		cat(dr, QC_DESC_LEN, "; вероятно, днём");
	} else if (strcmp(r->time_of_day, "night") == 0) {
		cat(de, QC_DESC_LEN, "; probably at night");
		cat(dr, QC_DESC_LEN, "; вероятно, ночью");
	}
	cat(de, QC_DESC_LEN, ".");
	cat(dr, QC_DESC_LEN, ".");
	r->tags_done = 1;
}

/* ------------------------------------------------------------ checks */

static void
report_init(struct qc_report *r, enum qc_kind kind)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->format = "unknown";
	r->orientation = 1;
	r->brightness = "unknown";
	r->time_of_day = "unknown";
}

static void
finish(struct qc_report *r)
{
	r->accepted = r->nreasons == 0;
}

/* Resolution checks on the displayed size. */
static void
check_size(const struct qc_config *c, struct qc_report *r)
{
	if (r->width > c->max_width || r->height > c->max_height ||
	    (uint64_t)r->width * (uint64_t)r->height > c->max_pixels)
		add_reason(r, QC_R_TOO_LARGE);
	if (r->width < c->min_width || r->height < c->min_height)
		add_reason(r, QC_R_TOO_SMALL);
}

/*
 * Everything that needs pixels, on a decoded image of any size.  Returns
 * QC_OK or QC_ENOMEM.
 */
/*
 * How much of the frame the person spans: the larger of the height and
 * the width of the box around the landmarks it sees (visibility >= 0.5)
 * inside the frame, over the frame's height and width.  -1 without
 * landmarks.
 */
static double
landmark_span(const struct pose_person *p, int w, int h)
{
	double	 x0 = w, y0 = h, x1 = 0, y1 = 0, x, y, sx, sy;
	int	 k, n = 0;

	if (!pose_person_has_landmarks(p))
		return -1.0;
	for (k = 0; k < POSE_LM__MAX; k++) {
		if (p->lm[k].visibility < 0.5f)
			continue;
		x = p->lm[k].x < 0 ? 0 : p->lm[k].x > w ? w : p->lm[k].x;
		y = p->lm[k].y < 0 ? 0 : p->lm[k].y > h ? h : p->lm[k].y;
		x0 = x < x0 ? x : x0;
		y0 = y < y0 ? y : y0;
		x1 = x > x1 ? x : x1;
		y1 = y > y1 ? y : y1;
		n++;
	}
	if (n < 2)
		return 0.0;
	sx = (x1 - x0) / w;
	sy = (y1 - y0) / h;
	return sx > sy ? sx : sy;
}

/*
 * The person checks of a user photo on the analysis image: the people
 * pose_detect() finds (largest body first).  Returns QC_OK or QC_ENOMEM
 * (a failure of the pose code counts as out of memory: it fails only on
 * allocation once the model is loaded).
 */
static int
people(const struct qc_config *c, struct pose_model *pose,
    const struct image *a, struct qc_report *r, struct pose_stored *keep)
{
	struct pose_person	*ps = NULL;
	char			 err[128];
	double			 t0 = now_ms(), side, a0, a1;
	int			 n = 0, k;

	if (pose_detect(pose, a, &ps, &n, err, sizeof(err)) < 0)
		return QC_ENOMEM;
	r->ms_pose = now_ms() - t0;
	r->person_done = 1;
	r->npersons = n;
	if (n == 0) {
		add_reason(r, QC_R_NO_PERSON);
		return QC_OK;
	}
	side = ps[0].box[2] - ps[0].box[0];
	r->person_size = landmark_span(&ps[0], a->w, a->h);
	if (r->person_size < 0) {
		/* No landmarks: the body square, roughly. */
		r->person_size = side / (a->w > a->h ? a->w : a->h);
		if (r->person_size > 1.0)
			r->person_size = 1.0;
	}
	if (n > 1) {
		a0 = side * side;
		a1 = (double)(ps[1].box[2] - ps[1].box[0]) *
		    (ps[1].box[2] - ps[1].box[0]);
		r->person_dominance = a1 > 0 ? a0 / a1 : 0.0;
		if (r->person_dominance < c->person_dominance)
			add_reason(r, QC_R_SEVERAL_PEOPLE);
	}
	if (r->person_size < c->person_min_size)
		add_reason(r, QC_R_PERSON_TOO_SMALL);
	if (pose_person_has_landmarks(&ps[0])) {
		r->landmarks_done = 1;
		for (k = 0; k < POSE_LM__MAX; k++) {
			r->landmarks[k][0] = ps[0].lm[k].x / a->w;
			r->landmarks[k][1] = ps[0].lm[k].y / a->h;
			r->landmarks[k][2] = ps[0].lm[k].visibility;
		}
		if (keep != NULL &&
		    pose_stored_set(keep, &ps[0], a->w, a->h) == -1) {
			pose_persons_free(ps, n);
			return QC_ENOMEM;
		}
	}
	pose_persons_free(ps, n);
	return QC_OK;
}

static int
analyse(const struct qc_config *c, const struct nsfw_model *model,
    struct pose_model *pose, const struct image *img, struct qc_report *r,
    struct pose_stored *keep)
{
	struct image	 a;
	unsigned char	*luma = NULL;
	uint16_t	*sm = NULL;
	size_t		 npx;
	double		 t0 = now_ms();
	int		 rc;

	rc = make_analysis(img, c->analysis_side, &a);
	if (rc != IMAGE_OK)
		return rc == IMAGE_E_NOMEM ? QC_ENOMEM : QC_EINVAL;
	npx = (size_t)a.w * (size_t)a.h;
	assert(npx > 0);	/* a valid image is never empty */
	r->decoded = 1;
	r->analysis_w = a.w;
	r->analysis_h = a.h;
	luma = malloc(npx);
	sm = malloc(npx * sizeof(*sm));
	if (luma == NULL || sm == NULL) {
		free(luma);
		free(sm);
		image_free(&a);
		return QC_ENOMEM;
	}
	stats(&a, luma, sm, r);
	free(sm);
	if (r->kind == QC_OUTFIT && composition(c, &a, luma, r) != 0) {
		free(luma);
		image_free(&a);
		return QC_ENOMEM;
	}
	if (r->stddev < c->blank_min_stddev)
		add_reason(r, QC_R_BLANK);
	else {
		/* A blank image is neither blurry nor badly exposed. */
		if (r->blur_score < c->blur_min)
			add_reason(r, QC_R_BLURRY);
		if (r->luma_p95 < c->dark_max_p95)
			add_reason(r, QC_R_TOO_DARK);
		/*
		 * A white studio backdrop is meant to be bright: for an
		 * outfit on a uniform backdrop, "too bright" is judged on
		 * the item's own pixels.
		 */
		if (r->comp_done && r->bg_uniform >= c->bg_min_uniform &&
		    r->fill > 0) {
			if (r->item_p5 > c->bright_min_p5)
				add_reason(r, QC_R_TOO_BRIGHT);
		} else if (r->luma_p5 > c->bright_min_p5)
			add_reason(r, QC_R_TOO_BRIGHT);
	}
	if (r->comp_done && !qc_has_reason(r, QC_R_BLANK)) {
		if (r->bg_uniform < c->bg_min_uniform ||
		    r->fragmented > c->fragment_max)
			add_reason(r, QC_R_BAD_BACKGROUND);
		else if (r->fill < c->fill_min)
			add_reason(r, QC_R_GARMENT_TOO_SMALL);
		else if (r->edge_max > c->cut_max)
			add_reason(r, QC_R_GARMENT_CUT_OFF);
	}
	if (r->kind == QC_LOCATION)
		tags(&a, luma, r);
	free(luma);
	r->ms_checks = now_ms() - t0;
	if (pose != NULL && r->kind == QC_USER_PHOTO &&
	    !qc_has_reason(r, QC_R_BLANK) &&
	    people(c, pose, &a, r, keep) != QC_OK) {
		image_free(&a);
		return QC_ENOMEM;
	}
	if (model != NULL) {
		t0 = now_ms();
		rc = nsfw_classify(model, &a, r->nsfw);
		r->ms_nsfw = now_ms() - t0;
		if (rc == NSFW_ENOMEM) {
			image_free(&a);
			return QC_ENOMEM;
		}
		if (rc == NSFW_OK) {
			r->nsfw_done = 1;
			if (r->nsfw[NSFW_PORN] + r->nsfw[NSFW_HENTAI] >
			    c->nsfw_max)
				add_reason(r, QC_R_NSFW);
			/* Swimwear and lingerie shops: a bound of their own. */
			if (r->nsfw[NSFW_SEXY] > (r->kind == QC_USER_PHOTO ?
			    c->sexy_max : c->catalog_sexy_max))
				add_reason(r, QC_R_NSFW_SUGGESTIVE);
		}
	}
	image_free(&a);
	return QC_OK;
}

int
qc_check_image(const struct qc_config *c, const struct nsfw_model *model,
    enum qc_kind kind, const struct image *img, struct qc_report *out)
{
	int	 rc;

	if (c == NULL || out == NULL)
		return QC_EINVAL;
	report_init(out, kind);
	if (img == NULL || img->px == NULL || img->w < 1 || img->h < 1)
		return QC_EINVAL;
	out->width = img->w;
	out->height = img->h;
	check_size(c, out);
	rc = analyse(c, model, NULL, img, out, NULL);
	finish(out);
	return rc;
}

int
qc_check(const struct qc_config *c, const struct nsfw_model *model,
    enum qc_kind kind, const unsigned char *buf, size_t len,
    struct qc_report *out)
{
	return qc_check_people(c, model, NULL, kind, buf, len, out);
}

int
qc_check_people(const struct qc_config *c, const struct nsfw_model *model,
    struct pose_model *pose, enum qc_kind kind, const unsigned char *buf,
    size_t len, struct qc_report *out)
{
	return qc_check_people_keep(c, model, pose, kind, buf, len, out, NULL);
}

int
qc_check_people_keep(const struct qc_config *c, const struct nsfw_model *model,
    struct pose_model *pose, enum qc_kind kind, const unsigned char *buf,
    size_t len, struct qc_report *out, struct pose_stored *keep)
{
	struct image_limits	 lim;
	struct image_info	 ii;
	struct image		 img;
	double			 t0;
	int			 rc;

	if (keep != NULL)
		memset(keep, 0, sizeof(*keep));
	if (c == NULL || out == NULL)
		return QC_EINVAL;
	report_init(out, kind);
	if (buf == NULL && len > 0)
		return QC_EINVAL;
	out->bytes = len;
	if (len > c->max_bytes) {
		add_reason(out, QC_R_TOO_LARGE);
		finish(out);
		return QC_OK;
	}
	rc = image_probe(buf, len, &ii);
	if (rc != IMAGE_OK) {
		out->decode_error = image_strerror(rc);
		add_reason(out, rc == IMAGE_E_FORMAT ?
		    QC_R_UNSUPPORTED_FORMAT : QC_R_CORRUPT);
		finish(out);
		return QC_OK;
	}
	out->format = image_format_name(ii.format);
	out->width = ii.out_width;
	out->height = ii.out_height;
	out->orientation = ii.orientation;
	check_size(c, out);
	if (qc_has_reason(out, QC_R_TOO_LARGE)) {
		finish(out);	/* never decode what is too large */
		return QC_OK;
	}

	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = c->max_bytes;
	lim.max_width = c->max_width;
	lim.max_height = c->max_height;
	lim.max_pixels = c->max_pixels;
	t0 = now_ms();
	/* DCT-scaled straight to about the analysis size: the fast path. */
	rc = image_decode_scaled(buf, len, &lim, c->analysis_side, &img);
	out->ms_decode = now_ms() - t0;
	switch (rc) {
	case IMAGE_OK:
		break;
	case IMAGE_E_NOMEM:
		return QC_ENOMEM;
	case IMAGE_E_TOO_LARGE:
		add_reason(out, QC_R_TOO_LARGE);
		break;
	case IMAGE_E_FORMAT:
		add_reason(out, QC_R_UNSUPPORTED_FORMAT);
		break;
	default:
		add_reason(out, QC_R_CORRUPT);
		break;
	}
	if (rc != IMAGE_OK) {
		out->decode_error = image_strerror(rc);
		finish(out);
		return QC_OK;
	}
	rc = analyse(c, model, pose, &img, out, keep);
	image_free(&img);
	finish(out);
	return rc;
}

/* -------------------------------------------------------------- JSON */

static json_object *jnum(double v, int decimals);

/*
 * "people": {"count", "size", "dominance", "landmarks": [[x, y,
 * visibility] x 33] in 0..1 of the image, or null}.  Returns nonzero when
 * something could not be added.
 */
static int
people_json(json_object *x, const struct qc_report *r)
{
	json_object	*a, *p;
	int		 bad = 0, k, j;

	bad |= jsonv_add(x, "count", json_object_new_int(r->npersons));
	bad |= jsonv_add(x, "size", jnum(r->person_size, 4));
	bad |= jsonv_add(x, "dominance", jnum(r->person_dominance, 3));
	if (!r->landmarks_done) {
		/* JSON null: json-c takes a NULL value as null. */
		if (json_object_object_add(x, "landmarks", NULL) != 0)
			bad = 1;
		return bad;
	}
	a = json_object_new_array();
	bad |= jsonv_add(x, "landmarks", a);
	for (k = 0; a != NULL && k < POSE_LM__MAX; k++) {
		p = json_object_new_array();
		if (p == NULL || json_object_array_add(a, p) != 0) {
			json_object_put(p);
			return 1;
		}
		for (j = 0; j < 3; j++)
			if (json_object_array_add(p,
			    jnum(r->landmarks[k][j], 4)) != 0)
				bad = 1;
	}
	return bad;
}

/*
 * A number with a fixed count of decimals, serialised exactly as
 * printed ("0.0123", "566.18", "16") rather than with 17 digits.
 */
static json_object *
jnum(double v, int decimals)
{
	char	 buf[64];
	size_t	 n;

	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	n = strlen(buf);
	if (strchr(buf, '.') != NULL) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, sizeof(buf), "0");
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *
jrgb(const unsigned char rgb[3])
{
	char	 buf[8];

	snprintf(buf, sizeof(buf), "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return json_object_new_string(buf);
}

json_object *
qc_report_to_json(const struct qc_report *r)
{
	json_object	*o, *a, *x, *s, *y;
	int		 i, k, bad = 0;

	if (r == NULL)
		return NULL;
	o = json_object_new_object();
	if (o == NULL)
		return NULL;
	bad |= jsonv_add(o, "kind",
	    json_object_new_string(qc_kind_name(r->kind)));
	bad |= jsonv_add(o, "verdict", json_object_new_string(r->accepted ?
	    "accept" : "reject"));
	a = json_object_new_array();
	bad |= jsonv_add(o, "reasons", a);
	for (i = 0; a != NULL && i < r->nreasons; i++) {
		x = json_object_new_object();
		if (x == NULL || json_object_array_add(a, x) != 0) {
			json_object_put(x);
			bad = 1;
			break;
		}
		bad |= jsonv_add(x, "code", json_object_new_string(
		    qc_reason_code(r->reasons[i])));
		y = json_object_new_object();
		bad |= jsonv_add(x, "message", y);
		if (y != NULL) {
			bad |= jsonv_add(y, "en", json_object_new_string(
			    qc_reason_message(r->reasons[i], LANG_EN)));
			bad |= jsonv_add(y, "ru", json_object_new_string(
			    qc_reason_message(r->reasons[i], LANG_RU)));
		}
	}

	x = json_object_new_object();
	bad |= jsonv_add(o, "image", x);
	if (x != NULL) {
		bad |= jsonv_add(x, "format",
		    json_object_new_string(r->format));
		bad |= jsonv_add(x, "bytes",
		    json_object_new_int64((int64_t)r->bytes));
		bad |= jsonv_add(x, "width", json_object_new_int(r->width));
		bad |= jsonv_add(x, "height", json_object_new_int(r->height));
		bad |= jsonv_add(x, "orientation",
		    json_object_new_int(r->orientation));
		bad |= jsonv_add(x, "decoded",
		    json_object_new_boolean(r->decoded));
		if (r->decode_error != NULL)
			bad |= jsonv_add(x, "error",
			    json_object_new_string(r->decode_error));
		if (r->decoded) {
			bad |= jsonv_add(x, "analysis_width",
			    json_object_new_int(r->analysis_w));
			bad |= jsonv_add(x, "analysis_height",
			    json_object_new_int(r->analysis_h));
		}
	}
	if (!r->decoded)
		goto done;

	s = json_object_new_object();
	bad |= jsonv_add(o, "scores", s);
	if (s != NULL) {
		bad |= jsonv_add(s, "stddev", jnum(r->stddev, 3));
		bad |= jsonv_add(s, "blur", jnum(r->blur_score, 2));
		bad |= jsonv_add(s, "laplacian_var", jnum(r->lap_var, 2));
		bad |= jsonv_add(s, "luma_mean", jnum(r->luma_mean, 2));
		bad |= jsonv_add(s, "luma_p5", jnum(r->luma_p5, 0));
		bad |= jsonv_add(s, "luma_p50", jnum(r->luma_p50, 0));
		bad |= jsonv_add(s, "luma_p95", jnum(r->luma_p95, 0));
		bad |= jsonv_add(s, "dark_share", jnum(r->dark_share, 4));
		bad |= jsonv_add(s, "bright_share", jnum(r->bright_share, 4));
	}
	x = json_object_new_object();
	bad |= jsonv_add(o, "nsfw", x);
	if (x != NULL) {
		bad |= jsonv_add(x, "checked",
		    json_object_new_boolean(r->nsfw_done));
		for (k = 0; r->nsfw_done && k < NSFW_NCLASSES; k++)
			bad |= jsonv_add(x, nsfw_class_name(k),
			    jnum(r->nsfw[k], 5));
	}
	if (r->person_done) {
		x = json_object_new_object();
		bad |= jsonv_add(o, "people", x);
		if (x != NULL)
			bad |= people_json(x, r);
	}
	if (r->comp_done) {
		x = json_object_new_object();
		bad |= jsonv_add(o, "composition", x);
		if (x != NULL) {
			bad |= jsonv_add(x, "background", jrgb(r->bg_rgb));
			bad |= jsonv_add(x, "background_uniform",
			    jnum(r->bg_uniform, 4));
			bad |= jsonv_add(x, "fragmented",
			    jnum(r->fragmented, 4));
			bad |= jsonv_add(x, "item_luma_p5",
			    jnum(r->item_p5, 0));
			bad |= jsonv_add(x, "fill", jnum(r->fill, 4));
			y = json_object_new_array();
			bad |= jsonv_add(x, "bbox", y);
			for (k = 0; y != NULL && k < 4; k++)
				bad |= json_object_array_add(y,
				    jnum(r->bbox[k], 4)) != 0;
			y = json_object_new_object();
			bad |= jsonv_add(x, "edges", y);
			if (y != NULL) {
				bad |= jsonv_add(y, "top", jnum(r->edge[0], 4));
				bad |= jsonv_add(y, "right",
				    jnum(r->edge[1], 4));
				bad |= jsonv_add(y, "bottom",
				    jnum(r->edge[2], 4));
				bad |= jsonv_add(y, "left",
				    jnum(r->edge[3], 4));
			}
		}
	}
	if (r->tags_done) {
		a = json_object_new_array();
		bad |= jsonv_add(o, "tags", a);
		for (k = 0; a != NULL && k < r->ntags; k++)
			bad |= json_object_array_add(a,
			    json_object_new_string(r->tags[k])) != 0;
		a = json_object_new_array();
		bad |= jsonv_add(o, "colours", a);
		for (k = 0; a != NULL && k < r->ncolours; k++) {
			y = json_object_new_object();
			if (y == NULL || json_object_array_add(a, y) != 0) {
				json_object_put(y);
				bad = 1;
				break;
			}
			bad |= jsonv_add(y, "name", json_object_new_string(
			    r->colours[k].name));
			bad |= jsonv_add(y, "name_ru", json_object_new_string(
			    r->colours[k].name_ru));
			bad |= jsonv_add(y, "share",
			    jnum(r->colours[k].share, 3));
			bad |= jsonv_add(y, "rgb", jrgb(r->colours[k].rgb));
		}
		x = json_object_new_object();
		bad |= jsonv_add(o, "cues", x);
		if (x != NULL) {
			bad |= jsonv_add(x, "brightness",
			    json_object_new_string(r->brightness));
			bad |= jsonv_add(x, "time_of_day",
			    json_object_new_string(r->time_of_day));
			bad |= jsonv_add(x, "colourfulness",
			    jnum(r->colourfulness, 2));
			bad |= jsonv_add(x, "sky_share", jnum(r->sky_share, 4));
			bad |= jsonv_add(x, "green_share",
			    jnum(r->green_share, 4));
			bad |= jsonv_add(x, "warmth", jnum(r->warmth, 2));
			bad |= jsonv_add(x, "edge_density",
			    jnum(r->edge_density, 4));
		}
		x = json_object_new_object();
		bad |= jsonv_add(o, "description", x);
		if (x != NULL) {
			bad |= jsonv_add(x, "en",
			    json_object_new_string(r->description[LANG_EN]));
			bad |= jsonv_add(x, "ru",
			    json_object_new_string(r->description[LANG_RU]));
		}
	}
	x = json_object_new_object();
	bad |= jsonv_add(o, "ms", x);
	if (x != NULL) {
		bad |= jsonv_add(x, "decode", jnum(r->ms_decode, 3));
		bad |= jsonv_add(x, "checks", jnum(r->ms_checks, 3));
		bad |= jsonv_add(x, "nsfw", jnum(r->ms_nsfw, 3));
	}
done:
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
