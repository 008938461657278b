/*
 * qcfit: whether a user photo's person suits an outfit (qc_check_fit(),
 * see qc.h), judged on the pose stored with the photo's verdict, when a
 * try-on is made: the body parts the garment's category covers in the
 * frame, the person upright and not turned away from the camera.
 */
#include <math.h>

#include "qc.h"

#define FIT_UNSEEN	(-1)

/* The landmark pairs (left, right) a category needs. */
static const int fit_parts[COMPOSE_CAT__MAX][4] = {
	[COMPOSE_CAT_TOPS] = { POSE_LEFT_SHOULDER, POSE_LEFT_HIP, -1, -1 },
	[COMPOSE_CAT_BOTTOMS] = { POSE_LEFT_HIP, POSE_LEFT_KNEE, -1, -1 },
	[COMPOSE_CAT_ONE_PIECES] = { POSE_LEFT_SHOULDER, POSE_LEFT_HIP,
	    POSE_LEFT_KNEE, -1 },
};

/* Whether landmark k lies in the frame, give or take margin. */
static int
in_frame(const struct pose_stored *s, int k, double margin)
{
	return s->lm[k][0] >= -margin && s->lm[k][0] <= 1.0 + margin &&
	    s->lm[k][1] >= -margin && s->lm[k][1] <= 1.0 + margin;
}

/*
 * Whether the pair of left landmark k (its right twin is k + 1) is in
 * the frame and one of the two is seen.
 */
static int
pair_ok(const struct qc_config *c, const struct pose_stored *s, int k)
{
	return in_frame(s, k, c->body_frame_margin) &&
	    in_frame(s, k + 1, c->body_frame_margin) &&
	    fmax(s->lm[k][3], s->lm[k + 1][3]) >= c->body_min_visibility;
}

/* The midpoint of the pair k, k + 1 in pixels. */
static void
mid(const struct pose_stored *s, int k, int w, int h, double *x, double *y)
{
	*x = (s->lm[k][0] + s->lm[k + 1][0]) / 2 * w;
	*y = (s->lm[k][1] + s->lm[k + 1][1]) / 2 * h;
}

/*
 * Degrees between the body's axis (the upper pair's midpoint to the
 * lower's) and straight down; FIT_UNSEEN when neither the torso nor the
 * thighs are seen.
 */
static double
tilt(const struct qc_config *c, const struct pose_stored *s, int w, int h)
{
	double	 x0, y0, x1, y1;
	int	 top, bottom;

	if (pair_ok(c, s, POSE_LEFT_SHOULDER) && pair_ok(c, s, POSE_LEFT_HIP)) {
		top = POSE_LEFT_SHOULDER;
		bottom = POSE_LEFT_HIP;
	} else if (pair_ok(c, s, POSE_LEFT_HIP) &&
	    pair_ok(c, s, POSE_LEFT_KNEE)) {
		top = POSE_LEFT_HIP;
		bottom = POSE_LEFT_KNEE;
	} else
		return FIT_UNSEEN;
	mid(s, top, w, h, &x0, &y0);
	mid(s, bottom, w, h, &x1, &y1);
	if (hypot(x1 - x0, y1 - y0) < 1.0)
		return FIT_UNSEEN;
	return atan2(fabs(x1 - x0), y1 - y0) * 180.0 / M_PI;
}

/*
 * Back to the camera: the person's left shoulder on the image's left
 * by pose_back_width of the torso or more (facing the camera it is on
 * the right), and no face seen; with pose_back_mirrored, a face "seen"
 * turned away too (its left eye and ear on the image's left) counts as
 * none: the landmark network puts a face, with visibility, on the back
 * of a head, mirrored like the shoulders.  A face turned to the camera
 * over turned shoulders is a person looking aside, not away.
 */
static int
turned_away(const struct qc_config *c, const struct pose_stored *s, int w,
    int h)
{
	double	 sx, sy, hx, hy, across, face;

	if (!pair_ok(c, s, POSE_LEFT_SHOULDER) || !pair_ok(c, s, POSE_LEFT_HIP))
		return 0;
	mid(s, POSE_LEFT_SHOULDER, w, h, &sx, &sy);
	mid(s, POSE_LEFT_HIP, w, h, &hx, &hy);
	across = (s->lm[POSE_LEFT_SHOULDER][0] -
	    s->lm[POSE_RIGHT_SHOULDER][0]) * w;
	if (across >= -c->pose_back_width * hypot(hx - sx, hy - sy))
		return 0;
	face = fmax(s->lm[POSE_NOSE][3], fmax(s->lm[POSE_LEFT_EYE][3],
	    s->lm[POSE_RIGHT_EYE][3]));
	return face < c->body_min_visibility || (c->pose_back_mirrored &&
	    s->lm[POSE_LEFT_EYE][0] < s->lm[POSE_RIGHT_EYE][0] &&
	    s->lm[POSE_LEFT_EAR][0] < s->lm[POSE_RIGHT_EAR][0]);
}

enum qc_reason
qc_check_fit(const struct qc_config *c, const struct pose_stored *s, int w,
    int h, enum compose_cat cat)
{
	double	 t;
	int	 i;

	if (s == NULL || !s->done || w <= 0 || h <= 0 ||
	    (unsigned)cat >= COMPOSE_CAT__MAX)
		return QC_R_COUNT;
	for (i = 0; i < 4 && fit_parts[cat][i] >= 0; i++)
		if (!pair_ok(c, s, fit_parts[cat][i]))
			return QC_R_BODY_CUT_OFF;
	t = tilt(c, s, w, h);
	if (t != FIT_UNSEEN && t > c->pose_max_tilt)
		return QC_R_POSE_UNSUITABLE;
	if (turned_away(c, s, w, h))
		return QC_R_POSE_UNSUITABLE;
	return QC_R_COUNT;
}
