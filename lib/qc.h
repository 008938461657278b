/*
 * qc: image quality control and moderation (seed section 3.5).
 *
 * One call, qc_check(), takes untrusted image bytes and returns a report:
 * every score, a verdict and the list of rejection reasons.  What runs
 * depends on the kind of image:
 *
 *   QC_USER_PHOTO  header limits (format, bytes, min/max resolution),
 *                  blank, blur, exposure, NSFW
 *   QC_OUTFIT      the same plus composition: a plain background, the
 *                  item filling enough of the frame, not cut off
 *   QC_LOCATION    the same quality checks and NSFW, plus tags (dominant
 *                  colours, brightness, time-of-day and other cheap cues)
 *                  and a generated description (en, ru) for search
 *
 * The pixel checks run on an "analysis image": the upload decoded at
 * reduced size (libjpeg-turbo DCT scaling) and resampled so that its
 * longer side is exactly analysis_side pixels, composited over white.
 * Scores therefore do not depend on the upload's resolution.
 *
 * Every threshold is a field of struct qc_config; qc_config_set() sets one
 * by its configuration key ([qc] section of the INI file) so callers and
 * the CLI need no table of their own.  Reason codes are stable strings;
 * qc_reason_message() gives the polite text for users in ru or en.
 *
 * No global state; the NSFW model (may be NULL: NSFW is then skipped and
 * reported as such) is only read.  Nothing here logs.
 */
#ifndef PRIMERKA_QC_H
#define PRIMERKA_QC_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "lang.h"
#include "nsfw.h"
#include "pose.h"
#include "posestore.h"

struct image;
struct json_object;

enum qc_kind {
	QC_USER_PHOTO = 0,
	QC_OUTFIT,
	QC_LOCATION
};

/* Rejection reasons; the order is the order of qc_report.reasons. */
enum qc_reason {
	QC_R_UNSUPPORTED_FORMAT = 0,	/* "unsupported_format" */
	QC_R_CORRUPT,			/* "corrupt" */
	QC_R_TOO_LARGE,			/* "too_large" */
	QC_R_TOO_SMALL,			/* "too_small" */
	QC_R_BLANK,			/* "blank" */
	QC_R_BLURRY,			/* "blurry" */
	QC_R_TOO_DARK,			/* "too_dark" */
	QC_R_TOO_BRIGHT,		/* "too_bright" */
	QC_R_NSFW,			/* "nsfw" */
	QC_R_NSFW_SUGGESTIVE,		/* "nsfw_suggestive" */
	QC_R_BAD_BACKGROUND,		/* "bad_background" */
	QC_R_GARMENT_TOO_SMALL,		/* "garment_too_small" */
	QC_R_GARMENT_CUT_OFF,		/* "garment_cut_off" */
	QC_R_NO_PERSON,			/* "no_person" */
	QC_R_SEVERAL_PEOPLE,		/* "several_people" */
	QC_R_PERSON_TOO_SMALL,		/* "person_too_small" */
	/*
	 * The per-outfit checks, at try-on time (qc_check_fit()); their
	 * codes and messages are the job error codes' (lib/jobs.c).
	 */
	QC_R_BODY_CUT_OFF,		/* "body_cut_off" */
	QC_R_POSE_UNSUITABLE,		/* "pose_unsuitable" */
	QC_R_COUNT
};

enum qc_err {
	QC_OK = 0,
	QC_ENOMEM = -1,
	QC_EINVAL = -2
};

struct qc_config {
	/* Header limits, checked before any pixel is decoded. */
	size_t		max_bytes;	/* max_bytes */
	int		min_width;	/* min_width (displayed size) */
	int		min_height;	/* min_height */
	int		max_width;	/* max_width */
	int		max_height;	/* max_height */
	uint64_t	max_pixels;	/* max_pixels */
	/* Analysis. */
	int		analysis_side;	/* analysis_side: longer side, px */
	double		blank_min_stddev;	/* blank_min_stddev, 0..255 */
	double		blur_min;	/* blur_min: sharpness score */
	double		dark_max_p95;	/* dark_max_p95: luma 0..255 */
	double		bright_min_p5;	/* bright_min_p5: luma 0..255 */
	double		nsfw_max;	/* nsfw_max: Porn + Hentai */
	double		result_nsfw_max; /* result_nsfw_max: the same, for
					  * what a provider made */
	double		sexy_max;	/* sexy_max: Sexy, user photos */
	double		catalog_sexy_max; /* catalog_sexy_max: Sexy, outfits
					   * and locations */
	/* Outfit composition. */
	double		bg_tolerance;	/* bg_tolerance: RGB distance */
	double		bg_min_uniform;	/* bg_min_uniform: border share */
	double		fragment_max;	/* fragment_max: item edge/area */
	double		fill_min;	/* fill_min: item share of frame */
	double		cut_max;	/* cut_max: item share of an edge */
	/* People in user photos (with a pose model). */
	double		person_min_size;	/* person_min_size: share of
						 * the frame it spans */
	double		person_dominance;	/* person_dominance: largest
						 * body area over the next */
	/* The outfit's body parts, at try-on time (qc_check_fit()). */
	double		body_min_visibility;	/* body_min_visibility: a
						 * pair of landmarks is seen
						 * when one of them is */
	double		body_frame_margin;	/* body_frame_margin: how far
						 * past the frame's edge a
						 * landmark may lie */
	double		pose_max_tilt;		/* pose_max_tilt: degrees of
						 * the torso from upright
						 * (lying down past it) */
	double		pose_back_width;	/* pose_back_width: shoulders
						 * reversed by this share of
						 * the torso, face unseen:
						 * back to the camera */
	int		pose_back_mirrored;	/* pose_back_mirrored: 1, a
						 * face seen mirrored like
						 * the shoulders is no face */
};

#define QC_MAX_TAGS	16
#define QC_TAG_LEN	24
#define QC_MAX_COLOURS	3
#define QC_DESC_LEN	512

struct qc_colour {
	const char	*name;		/* "red", "grey", ... (static) */
	const char	*name_ru;	/* "красный", ... (static) */
	double		 share;		/* of the analysed pixels, 0..1 */
	unsigned char	 rgb[3];	/* mean colour of those pixels */
};

struct qc_report {
	enum qc_kind	 kind;
	int		 accepted;	/* 1: no reasons */
	int		 nreasons;
	enum qc_reason	 reasons[QC_R_COUNT];

	/* Header. */
	const char	*format;	/* "jpeg", "png", "webp" or "unknown" */
	size_t		 bytes;
	int		 width, height;	/* displayed (after EXIF orientation) */
	int		 orientation;	/* EXIF 1..8 */
	int		 decoded;	/* pixel checks ran */
	const char	*decode_error;	/* static text when decoding failed */
	int		 analysis_w, analysis_h;

	/* Blank: the largest per-channel standard deviation, 0..255. */
	double		 stddev;
	/*
	 * Blur: variance of the Laplacian of luma smoothed by [1 2 1] x
	 * [1 2 1] (a small Laplacian of Gaussian) over the whole analysis
	 * image (lap_var), and over an 8x8 grid of tiles; the score is the
	 * 90th percentile of the tile variances among tiles with content
	 * (luma stddev >= 4), i.e. the sharp part of the picture, so large
	 * smooth areas or a plain backdrop do not make a sharp photo blurry.
	 */
	double		 lap_var;
	double		 blur_score;
	/* Exposure: luma 0..255. */
	double		 luma_mean, luma_p5, luma_p50, luma_p95;
	double		 dark_share;	/* luma < 16 */
	double		 bright_share;	/* luma > 239 */

	/* NSFW. */
	int		 nsfw_done;	/* 0: no model given (skipped) */
	float		 nsfw[NSFW_NCLASSES];

	/*
	 * People (person_done when a pose model was given and kind ==
	 * QC_USER_PHOTO): how many, the main person's size (the larger of
	 * the height and width shares of the frame its visible landmarks
	 * span; without landmarks the body square over the longer side),
	 * its body area over the next person's (0 when alone), and its 33
	 * landmarks in 0..1 of the image with visibility.
	 */
	int		 person_done;
	int		 npersons;
	double		 person_size;
	double		 person_dominance;
	int		 landmarks_done;
	float		 landmarks[POSE_LM__MAX][3];
	double		 ms_pose;

	/* Outfit composition (comp_done when kind == QC_OUTFIT). */
	int		 comp_done;
	unsigned char	 bg_rgb[3];	/* background colour (from border) */
	double		 bg_uniform;	/* border pixels that are background */
	double		 fill;		/* item pixels / all pixels */
	double		 bbox[4];	/* item box x0, y0, x1, y1 in 0..1 */
	double		 edge[4];	/* item share of top, right, bottom,
					 * left edge lines */
	double		 edge_max;
	double		 item_p5;	/* 5th percentile of item luma */
	double		 fragmented;	/* item pixels touching background,
					 * per item pixel (texture, not an
					 * object, when high) */

	/* Location tags and description (tags_done when QC_LOCATION). */
	int		 tags_done;
	int		 ntags;
	char		 tags[QC_MAX_TAGS][QC_TAG_LEN];
	int		 ncolours;
	struct qc_colour colours[QC_MAX_COLOURS];
	const char	*brightness;	/* "dark", "dim", "moderate", "bright" */
	const char	*time_of_day;	/* "day", "night" or "unknown" */
	double		 colourfulness;	/* Hasler-Suesstrunk M */
	double		 sky_share;	/* sky-like pixels in the top third */
	double		 green_share;	/* vegetation-green pixels */
	double		 warmth;	/* mean R - mean B, -255..255 */
	double		 edge_density;	/* pixels on strong luma edges */
	char		 description[LANG__MAX][QC_DESC_LEN];

	/* Wall-clock cost, milliseconds. */
	double		 ms_decode, ms_checks, ms_nsfw;
};

/* Fill *c with the defaults (documented in the README). */
void		 qc_config_default(struct qc_config *c);

/*
 * Set one threshold by its configuration key (the field comments above
 * name them).  value is parsed in full and range checked.  Returns 0, or
 * -1 for an unknown key or a bad value (the config is then unchanged).
 */
int		 qc_config_set(struct qc_config *c, const char *key,
		    const char *value);

/* The i-th configuration key, or NULL past the end (for INI loaders). */
const char	*qc_config_key(size_t i);

/*
 * Check an uploaded image.  model may be NULL (NSFW skipped).  Fills out
 * completely; a bad or hostile image is a rejection in the report, not an
 * error.  Returns QC_OK, QC_ENOMEM or QC_EINVAL (NULL arguments).
 */
int		 qc_check(const struct qc_config *c,
		    const struct nsfw_model *model, enum qc_kind kind,
		    const unsigned char *buf, size_t len,
		    struct qc_report *out);

/*
 * The pixel checks alone, on an already decoded RGBA image of any size
 * (header fields of the report are set from its size; the resolution
 * checks still apply).  Same return values as qc_check().
 */
/*
 * qc_check() plus the person checks of a user photo (no_person,
 * several_people, person_too_small) with pose, a model from pose_load()
 * (NULL skips them; not thread-safe: one per thread).  Other kinds ignore
 * pose.
 */
int		 qc_check_people(const struct qc_config *c,
		    const struct nsfw_model *model, struct pose_model *pose,
		    enum qc_kind kind, const unsigned char *buf, size_t len,
		    struct qc_report *out);

/*
 * qc_check_people(), keeping the main person's pose in *keep (cleared
 * first; keep->done stays 0 when nobody with landmarks was found) for
 * storing with the photo.  The caller frees it with pose_stored_free().
 */
int		 qc_check_people_keep(const struct qc_config *c,
		    const struct nsfw_model *model, struct pose_model *pose,
		    enum qc_kind kind, const unsigned char *buf, size_t len,
		    struct qc_report *out, struct pose_stored *keep);

/*
 * The per-outfit person checks of a user photo (w x h pixels, its main
 * person's stored pose s) for a garment category: QC_R_BODY_CUT_OFF when
 * a body part the category needs is out of the frame or unseen
 * (shoulders and hips for tops, hips and knees for bottoms, shoulders to
 * knees for one-pieces), QC_R_POSE_UNSUITABLE when the person lies
 * down or turns their back to the camera, QC_R_COUNT when the photo
 * suits the outfit (or s holds no person: nothing to judge by).
 */
enum qc_reason	 qc_check_fit(const struct qc_config *c,
		    const struct pose_stored *s, int w, int h,
		    enum compose_cat cat);
int		 qc_check_image(const struct qc_config *c,
		    const struct nsfw_model *model, enum qc_kind kind,
		    const struct image *img, struct qc_report *out);

/* Does the report reject for reason r? */
int		 qc_has_reason(const struct qc_report *r, enum qc_reason reason);

/* Stable code ("blurry"), or "unknown". */
const char	*qc_reason_code(enum qc_reason reason);

/*
 * Polite text for users: lang "ru" or "en" (anything else gives en).
 * Static strings, UTF-8.
 */
const char	*qc_reason_message(enum qc_reason reason, enum lang);

/* "user_photo", "outfit", "location"; and back (-1 if unknown). */
const char	*qc_kind_name(enum qc_kind kind);
int		 qc_kind_parse(const char *name, enum qc_kind *kind);

/*
 * The report as a new json-c object (caller releases it with
 * json_object_put()), for the CLI and for storing in the database:
 * {"kind","verdict":"accept"|"reject","reasons":[{"code","message":
 * {"en","ru"}}],"image":{...},"scores":{...},"nsfw":{...},
 * "composition":{...},"tags":[...],"description":{"en","ru"},...}.
 * Returns NULL on allocation failure.
 */
struct json_object *qc_report_to_json(const struct qc_report *r);

#endif /* PRIMERKA_QC_H */
