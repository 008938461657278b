/*
 * A location's scene: tags and a description from cheap and honest cues
 * (lib/qc.c runs it on the analysis image); see scene.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "qc.h"
#include "scene.h"

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

/* The named colour of an HSV value. */
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

/* One more tag, while there is room. */
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

/* What one pass over the pixels measures. */
struct scene_stats {
	double	 share[CN_COUNT];	/* pixels of each named colour */
	double	 sum[CN_COUNT][3];	/* their RGB sums */
	double	 top;			/* pixels in the top third */
	double	 topdark;		/* ... of them nearly black */
};

/* The words a scene is described with, en and ru. */
struct scene_words {
	const char	*br_en, *br_ru;		/* brightness */
	const char	*cf_en, *cf_ru;		/* colourfulness, or NULL */
	const char	*or_en, *or_ru;		/* orientation */
};

/*
 * One pass over the pixels: colour shares, colourfulness
 * (Hasler-Suesstrunk), warmth, smooth light blue in the top third
 * ("sky"; a blue studio backdrop counts too), textured green
 * ("greenery"), the dark share of the top third.
 */
static void
scene_measure(const struct image *img, const unsigned char *luma,
    struct qc_report *r, struct scene_stats *m)
{
	const size_t	 n = (size_t)img->w * img->h;
	double		 rg, yb, srg = 0, syb = 0, qrg = 0, qyb = 0, mr, my;
	double		 sr = 0, sb = 0, hue, sat, val, sky = 0;
	double		 green = 0, greentex = 0;
	const int	 w = img->w, h = img->h;
	int		 px, py;
	size_t		 i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++) {
		const unsigned char *p = img->px + i * 4;
		enum qc_cname	 cn;

		rgb_hsv(p, &hue, &sat, &val);
		cn = colour_name(hue, sat, val);
		m->share[cn]++;
		m->sum[cn][0] += p[0];
		m->sum[cn][1] += p[1];
		m->sum[cn][2] += p[2];
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
			/* Foliage is textured; felt, paint and cloth are
			 * not. */
			if (px > 0 && px < w - 1 && py > 0 && py < h - 1 &&
			    abs(luma[i + 1] - luma[i - 1]) +
			    abs(luma[i + (size_t)w] - luma[i - (size_t)w]) > 20)
				greentex++;
		}
		if (py < h / 3) {
			m->top++;
			/* Sky: light blue and smooth (flags, walls have
			 * edges more often). */
			if (hue >= 190 && hue < 250 && sat >= 0.12 &&
			    val >= 0.62 && px > 0 && px < w - 1 && py > 0 &&
			    abs(luma[i + 1] - luma[i - 1]) +
			    abs(luma[i + (size_t)w] - luma[i - (size_t)w]) <=
			    12)
				sky++;
			if (luma[i] < 40)
				m->topdark++;
		}
	}
	mr = srg / (double)n;
	my = syb / (double)n;
	r->colourfulness = sqrt(fmax(qrg / (double)n - mr * mr, 0) +
	    fmax(qyb / (double)n - my * my, 0)) + 0.3 * sqrt(mr * mr + my * my);
	r->warmth = (sr - sb) / (double)n;
	r->sky_share = m->top > 0 ? sky / m->top : 0;
	/* Green counts as vegetation only when a third of it is textured. */
	r->green_share = green > 0 && greentex / green >= 0.33 ?
	    green / (double)n : 0;
}

/* Dominant colours: up to three with at least 8% of the pixels. */
static void
scene_colours(struct qc_report *r, const struct scene_stats *m, size_t n)
{
	int	 k, j, used[CN_COUNT] = { 0 };

	r->ncolours = 0;
	for (k = 0; k < QC_MAX_COLOURS; k++) {
		int	 bi = -1;

		for (j = 0; j < CN_COUNT; j++)
			if (!used[j] && (bi < 0 || m->share[j] > m->share[bi]))
				bi = j;
		if (bi < 0 || m->share[bi] / (double)n < 0.08)
			break;
		used[bi] = 1;
		r->colours[k].name = cname_en[bi];
		r->colours[k].name_ru = cname_ru[bi];
		r->colours[k].share = m->share[bi] / (double)n;
		for (j = 0; j < 3; j++)
			r->colours[k].rgb[j] = (unsigned char)lround(
			    m->sum[bi][j] / m->share[bi]);
		r->ncolours++;
	}
}

/*
 * Brightness, time of day, colourfulness and orientation in words.
 * Time of day is claimed only when the cues are strong.
 */
static void
scene_judge(const struct image *img, struct qc_report *r,
    const struct scene_stats *m, struct scene_words *wd)
{
	if (r->luma_mean < 60) {
		r->brightness = "dark";
		wd->br_en = "Dark";
		wd->br_ru = "Тёмная";
	} else if (r->luma_mean < 100) {
		r->brightness = "dim";
		wd->br_en = "Dim";
		wd->br_ru = "Сумрачная";
	} else if (r->luma_mean < 165) {
		r->brightness = "moderate";
		wd->br_en = "Moderately lit";
		wd->br_ru = "Умеренно освещённая";
	} else {
		r->brightness = "bright";
		wd->br_en = "Bright";
		wd->br_ru = "Светлая";
	}
	/*
	 * Day: blue sky in a reasonably lit picture.  Night: the top third
	 * mostly black while light sources shine somewhere.  Otherwise we
	 * do not guess.
	 */
	if (r->sky_share >= 0.2 && r->luma_mean >= 90)
		r->time_of_day = "day";
	else if (m->top > 0 && m->topdark / m->top >= 0.6 &&
	    r->luma_p50 < 60 && r->bright_share >= 0.002)
		r->time_of_day = "night";
	else
		r->time_of_day = "unknown";
	wd->cf_en = wd->cf_ru = NULL;
	if (r->colourfulness >= 55) {
		wd->cf_en = "colourful";
		wd->cf_ru = "красочная";
	} else if (r->colourfulness < 8) {
		wd->cf_en = "monochrome";
		wd->cf_ru = "почти монохромная";
	} else if (r->colourfulness < 20) {
		wd->cf_en = "muted";
		wd->cf_ru = "приглушённая";
	}
	if (img->w * 10 > img->h * 11) {
		wd->or_en = "landscape";
		wd->or_ru = "горизонтальная";
	} else if (img->h * 10 > img->w * 11) {
		wd->or_en = "portrait";
		wd->or_ru = "вертикальная";
	} else {
		wd->or_en = "square";
		wd->or_ru = "квадратная";
	}
}

/* The tags, from the judgement and the measurements. */
static void
scene_add_tags(struct qc_report *r, const struct scene_words *wd)
{
	/* Luma spread from the percentiles: cheap contrast cue. */
	double	 lsd = r->luma_p95 - r->luma_p5;
	int	 k;

	r->ntags = 0;
	add_tag(r, r->brightness);
	if (wd->cf_en != NULL)
		add_tag(r, wd->cf_en);
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
	add_tag(r, wd->or_en);
	for (k = 0; k < r->ncolours; k++)
		add_tag(r, r->colours[k].name);
}

/* Both of a pair: en to de, ru to dr. */
static void
cat2(char *de, const char *en, char *dr, const char *ru)
{
	cat(de, QC_DESC_LEN, en);
	cat(dr, QC_DESC_LEN, ru);
}

/* "Bright, colourful landscape scene with sky and greenery, ..." */
static void
scene_describe(struct qc_report *r, const struct scene_words *wd)
{
	char	*de = r->description[LANG_EN];
	char	*dr = r->description[LANG_RU];
	int	 k;

	de[0] = '\0';
	dr[0] = '\0';
	cat2(de, wd->br_en, dr, wd->br_ru);
	if (wd->cf_en != NULL) {
		cat2(de, ", ", dr, ", ");
		cat2(de, wd->cf_en, dr, wd->cf_ru);
	}
	cat2(de, " ", dr, " ");
	cat2(de, wd->or_en, dr, wd->or_ru);
	cat2(de, " scene", dr, " сцена");
	if (r->sky_share >= 0.2 && r->green_share >= 0.15)
		cat2(de, " with sky and greenery", dr, " с небом и зеленью");
	else if (r->sky_share >= 0.2)
		cat2(de, " with sky", dr, " с небом");
	else if (r->green_share >= 0.15)
		cat2(de, " with greenery", dr, " с зеленью");
	if (r->ncolours > 0) {
		cat2(de, ", mostly ", dr, "; преобладают цвета: ");
		for (k = 0; k < r->ncolours; k++) {
			if (k > 0) {
				cat2(de, k == r->ncolours - 1 ? " and " : ", ",
				    dr, k == r->ncolours - 1 ? " и " : ", ");
			}
			cat2(de, r->colours[k].name, dr,
			    r->colours[k].name_ru);
		}
	}
	if (r->warmth > 20)
		cat2(de, ", in warm tones", dr, ", тёплые тона");
	else if (r->warmth < -10)
		cat2(de, ", in cool tones", dr, ", холодные тона");
	if (strcmp(r->time_of_day, "day") == 0)
		cat2(de, "; probably daytime", dr, "; вероятно, днём");
	else if (strcmp(r->time_of_day, "night") == 0)
		cat2(de, "; probably at night", dr, "; вероятно, ночью");
	cat2(de, ".", dr, ".");
}

void
scene_tags(const struct image *img, const unsigned char *luma,
    struct qc_report *r)
{
	struct scene_stats	 m;
	struct scene_words	 wd;

	scene_measure(img, luma, r, &m);
	scene_colours(r, &m, (size_t)img->w * img->h);
	scene_judge(img, r, &m, &wd);
	scene_add_tags(r, &wd);
	scene_describe(r, &wd);
	r->tags_done = 1;
}
