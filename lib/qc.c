/*
 * Image quality control and moderation.  See qc.h.
 *
 * Layout: configuration table; reason table (codes and ru/en texts); the
 * analysis image; per-check functions (statistics, composition);
 * qc_check()/qc_check_image().  The scene tags are scene.c's, the report
 * as JSON qc_json.c's.
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

#include "conftab.h"
#include "image.h"
#include "jobs.h"
#include "jsonv.h"
#include "nsfw.h"
#include "qc.h"
#include "scene.h"

#define QC_TILES	8	/* blur tiles per side */
#define QC_BLUR_PCT	0.90	/* tile percentile used as the blur score */
#define QC_FLAT_VAR	16.0	/* luma variance of a tile without content */

/* ------------------------------------------------------------ config */

/*
 * The thresholds are keys of the configuration table (lib/conftab.c):
 * their defaults, bounds and fields are there, once.
 */
void
qc_config_default(struct qc_config *c)
{
	memset(c, 0, sizeof(*c));
	conf_fill_defaults(CONF_TGT_QC, NULL, c);
}

const char *
qc_config_key(size_t i)
{
	size_t	 k;

	for (k = 0; k < CONF__MAX; k++)
		if (confdefs[k].target == CONF_TGT_QC && i-- == 0)
			return confdefs[k].key;
	return NULL;
}

int
qc_config_set(struct qc_config *c, const char *key, const char *value)
{
	enum conf_key	 k;

	if (c == NULL || key == NULL || value == NULL)
		return -1;
	k = conf_find("qc", key);
	if (k == CONF__MAX || confdefs[k].target != CONF_TGT_QC)
		return -1;
	return conf_store_value(k, value, c);
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
		scene_tags(&a, luma, r);
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
