/*
 * MediaPipe Pose on still images, in C: the pre- and post-processing of
 * MediaPipe's pose_detection_cpu, pose_detection_to_roi and
 * pose_landmark_by_roi_cpu graphs (calculator options copied from them,
 * cited by name below) around the two TFLite networks run by lib/nn/.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "nn/tflite.h"
#include "pose.h"

#define DET_SIZE	224		/* ImageToTensor output, detector */
#define DET_ANCHORS	2254
#define DET_COORDS	12		/* box (4) + 4 keypoints (x, y) */
#define DET_KEYPOINTS	4
#define DET_MIN_SCORE	0.5f		/* TensorsToDetections */
#define DET_CLIP	100.0f		/* score_clipping_thresh */
#define NMS_MIN_IOU	0.3f		/* NonMaxSuppression, WEIGHTED */
#define ROI_SCALE	1.25f		/* RectTransformation scale_x/y */
#define LM_SIZE		256		/* ImageToTensor output, landmarks */
#define LM_ALL		39		/* 33 + 2 auxiliary + 4 unused */
#define LM_HEATMAP	64
#define LM_KERNEL	7		/* RefineLandmarksFromHeatmap */
#define LM_MIN_REFINE	0.5f
#define LM_MIN_POSE	0.5f		/* ThresholdingCalculator */
#define MODEL_MAX_BYTES	(64u * 1024 * 1024)
#define MAX_PERSONS	64

struct pose_model {
	struct tfl_model	 det;
	struct tfl_model	 lm;
	float		 anchor[DET_ANCHORS][2];	/* x, y centres */
};

/* One decoded detection, in normalised coordinates of the tensor. */
struct det {
	float		 score;
	float		 box[4];			/* xmin ymin xmax ymax */
	float		 kp[DET_KEYPOINTS][2];
};

/* A rotated rectangle in source pixels. */
struct roi {
	float		 cx, cy, w, h, rot;
};

static int
pose_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "pose: %s", what);
	return -1;
}

static float
sigmoidf(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

/*
 * SsdAnchorsCalculator with pose_detection_cpu's options: 5 layers,
 * strides 8, 16, 32, 32, 32, aspect ratio 1 plus the interpolated scale
 * (2 anchors per cell and layer), offset 0.5, fixed anchor size (w = h =
 * 1, so only the centres matter).
 */
static void
make_anchors(struct pose_model *pm)
{
	static const int strides[] = { 8, 16, 32, 32, 32 };
	int		 layer = 0, last, per, fm, y, x, k, n = 0;

	while (layer < 5) {
		per = 0;
		last = layer;
		while (last < 5 && strides[last] == strides[layer]) {
			per += 2;
			last++;
		}
		fm = (DET_SIZE + strides[layer] - 1) / strides[layer];
		for (y = 0; y < fm; y++)
			for (x = 0; x < fm; x++)
				for (k = 0; k < per && n < DET_ANCHORS; k++) {
					pm->anchor[n][0] = (x + 0.5f) / fm;
					pm->anchor[n][1] = (y + 0.5f) / fm;
					n++;
				}
		layer = last;
	}
}

static int
read_file(const char *path, unsigned char **buf, size_t *len, char *err,
    size_t errlen)
{
	FILE	*f;
	long	 sz;

	*buf = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "pose: %s: %s", path, strerror(errno));
		return -1;
	}
	sz = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (sz < 0 || (unsigned long)sz > MODEL_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, errlen, "pose: %s: unreadable or too large",
		    path);
		return -1;
	}
	*buf = malloc(sz > 0 ? (size_t)sz : 1);
	if (*buf == NULL || fread(*buf, 1, (size_t)sz, f) != (size_t)sz) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		snprintf(err, errlen, "pose: %s: read failed", path);
		return -1;
	}
	fclose(f);
	*len = (size_t)sz;
	return 0;
}

static int
shape_is(const struct tfl_tensor *t, int n, int h, int w, int c)
{
	return t->dim[0] == n && t->dim[1] == h && t->dim[2] == w &&
	    t->dim[3] == c;
}

static int
load_one(const char *dir, const char *file, struct tfl_model *m, char *err,
    size_t errlen)
{
	char		 path[4096];
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return pose_fail(err, errlen, "model path too long");
	if (read_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = tfl_load(m, buf, len, err, errlen);
	free(buf);
	return rc;
}

struct pose_model *
pose_load(const char *dir, char *err, size_t errlen)
{
	struct pose_model	*pm;

	pm = calloc(1, sizeof(*pm));
	if (pm == NULL) {
		pose_fail(err, errlen, "out of memory");
		return NULL;
	}
	if (load_one(dir, POSE_DETECTOR_FILE, &pm->det, err, errlen) < 0 ||
	    load_one(dir, POSE_LANDMARK_FILE, &pm->lm, err, errlen) < 0)
		goto fail;
	if (pm->det.nin != 1 || pm->det.nout != 2 ||
	    !shape_is(&pm->det.t[pm->det.in[0]], 1, DET_SIZE, DET_SIZE, 3) ||
	    !shape_is(&pm->det.t[pm->det.out[0]], 1, 1, DET_ANCHORS,
	    DET_COORDS) ||
	    !shape_is(&pm->det.t[pm->det.out[1]], 1, 1, DET_ANCHORS, 1)) {
		pose_fail(err, errlen, "the detector's inputs/outputs are not "
		    "those of pose_detection.tflite");
		goto fail;
	}
	if (pm->lm.nin != 1 || pm->lm.nout != 5 ||
	    !shape_is(&pm->lm.t[pm->lm.in[0]], 1, LM_SIZE, LM_SIZE, 3) ||
	    pm->lm.t[pm->lm.out[0]].n != LM_ALL * 5 ||
	    pm->lm.t[pm->lm.out[1]].n != 1 ||
	    !shape_is(&pm->lm.t[pm->lm.out[2]], 1, LM_SIZE, LM_SIZE, 1) ||
	    !shape_is(&pm->lm.t[pm->lm.out[3]], 1, LM_HEATMAP, LM_HEATMAP,
	    LM_ALL)) {
		pose_fail(err, errlen, "the landmark network's inputs/outputs "
		    "are not those of pose_landmark_full.tflite");
		goto fail;
	}
	make_anchors(pm);
	return pm;
fail:
	pose_model_free(pm);
	return NULL;
}

void
pose_model_own_kernels(struct pose_model *pm, int own)
{
	pm->det.own = own != 0;
	pm->lm.own = own != 0;
}

void
pose_model_free(struct pose_model *pm)
{
	if (pm == NULL)
		return;
	tfl_free(&pm->det);
	tfl_free(&pm->lm);
	free(pm);
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* floor() for the small values of a sampling position, without libm. */
static int
ifloor(float v)
{
	int	 i = (int)v;

	return v < (float)i ? i - 1 : i;
}

/*
 * One bilinear sample of img at (sx, sy) (pixel centres at .5 already
 * subtracted), clamped to the edge, the three colours scaled into dst.
 */
static void
sample_rgb(const struct image *img, float sx, float sy, float scale,
    float lo, float *dst)
{
	const unsigned char	*p, *q;
	size_t			 stride = (size_t)img->w * 4;
	float			 fx, fy, a, b;
	int			 x0, y0, x1, y1, c;

	x0 = ifloor(sx);
	y0 = ifloor(sy);
	fx = sx - x0;
	fy = sy - y0;
	if (x0 >= 0 && y0 >= 0 && x0 + 1 < img->w && y0 + 1 < img->h) {
		p = img->px + (size_t)y0 * stride + (size_t)x0 * 4;
		q = p + stride;
		for (c = 0; c < 3; c++) {
			a = p[c] + fx * (p[4 + c] - p[c]);
			b = q[c] + fx * (q[4 + c] - q[c]);
			dst[c] = (a + fy * (b - a)) * scale + lo;
		}
		return;
	}
	x1 = clampi(x0 + 1, 0, img->w - 1);
	y1 = clampi(y0 + 1, 0, img->h - 1);
	x0 = clampi(x0, 0, img->w - 1);
	y0 = clampi(y0, 0, img->h - 1);
	p = img->px + (size_t)y0 * stride;
	q = img->px + (size_t)y1 * stride;
	for (c = 0; c < 3; c++) {
		a = p[x0 * 4 + c] + fx * (p[x1 * 4 + c] - p[x0 * 4 + c]);
		b = q[x0 * 4 + c] + fx * (q[x1 * 4 + c] - q[x0 * 4 + c]);
		dst[c] = (a + fy * (b - a)) * scale + lo;
	}
}

/*
 * ImageToTensorCalculator: sample the rotated rectangle r of img into an
 * sz x sz x 3 tensor with values in lo..hi, bilinear at pixel centres as
 * the GPU converter does, clamped to the edge; with zero_border
 * (BORDER_ZERO) samples outside the image are zero, i.e. lo.  The
 * position is linear along a row: its start and step per row, each
 * sample then in the image's interior takes no clamping.
 */
static void
roi_to_tensor(const struct image *img, const struct roi *r, int sz,
    float lo, float hi, int zero_border, float *dst)
{
	float		 cs = cosf(r->rot), sn = sinf(r->rot);
	float		 scale = (hi - lo) / 255.0f, u, v, sx, sy, bx, by;
	float		 ux = cs * r->w / sz, uy = sn * r->w / sz;
	int		 i, j;

	for (i = 0; i < sz; i++) {
		v = ((i + 0.5f) / sz - 0.5f) * r->h;
		u = (0.5f / sz - 0.5f) * r->w;
		bx = r->cx + cs * u - sn * v - 0.5f;
		by = r->cy + sn * u + cs * v - 0.5f;
		for (j = 0; j < sz; j++, dst += 3) {
			sx = bx + ux * j;
			sy = by + uy * j;
			/*
			 * WebGL has no clamp-to-border: MediaPipe samples
			 * clamped to the edge and zeroes what lies outside.
			 */
			if (zero_border && (sx < -0.5f || sy < -0.5f ||
			    sx > img->w - 0.5f || sy > img->h - 0.5f)) {
				dst[0] = dst[1] = dst[2] = lo;
				continue;
			}
			sample_rgb(img, sx, sy, scale, lo, dst);
		}
	}
}

static float
box_area(const float *b)
{
	float	 w = b[2] - b[0], h = b[3] - b[1];

	return w > 0 && h > 0 ? w * h : 0.0f;
}

/* OverlapSimilarity, INTERSECTION_OVER_UNION. */
static float
iou(const float *a, const float *b)
{
	float	 i[4], ia, u;

	i[0] = fmaxf(a[0], b[0]);
	i[1] = fmaxf(a[1], b[1]);
	i[2] = fminf(a[2], b[2]);
	i[3] = fminf(a[3], b[3]);
	if (i[0] > i[2] || i[1] > i[3])
		return 0.0f;
	ia = box_area(i);
	u = box_area(a) + box_area(b) - ia;
	return u > 0.0f ? ia / u : 0.0f;
}

static int
by_score(const void *a, const void *b)
{
	const struct det *x = a, *y = b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

/*
 * TensorsToDetectionsCalculator (reverse_output_order, scales 224,
 * sigmoid scores clipped to +-100, threshold 0.5) and then
 * NonMaxSuppressionCalculator's WEIGHTED algorithm (IoU > 0.3 merges,
 * weights = scores, the merged detection keeps the top score).  Writes at
 * most max detections to out; returns their number.
 */
static int
decode_detections(const struct pose_model *pm, const float *raw,
    const float *scores, struct det *out, int max)
{
	struct det	*cand;
	int		 nc = 0, no = 0, i, k, left, kept;
	float		 s, cx, cy, w, h, tot, acc[4 + 2 * DET_KEYPOINTS];
	char		*used;

	cand = calloc(DET_ANCHORS, sizeof(*cand));
	if (cand == NULL)
		return -1;
	for (i = 0; i < DET_ANCHORS; i++) {
		const float	*r = raw + (size_t)i * DET_COORDS;

		s = scores[i];
		s = s < -DET_CLIP ? -DET_CLIP : s > DET_CLIP ? DET_CLIP : s;
		s = sigmoidf(s);
		if (s < DET_MIN_SCORE)
			continue;
		cx = r[0] / DET_SIZE + pm->anchor[i][0];
		cy = r[1] / DET_SIZE + pm->anchor[i][1];
		w = r[2] / DET_SIZE;
		h = r[3] / DET_SIZE;
		cand[nc].score = s;
		cand[nc].box[0] = cx - w / 2;
		cand[nc].box[1] = cy - h / 2;
		cand[nc].box[2] = cx + w / 2;
		cand[nc].box[3] = cy + h / 2;
		for (k = 0; k < DET_KEYPOINTS; k++) {
			cand[nc].kp[k][0] = r[4 + 2 * k] / DET_SIZE +
			    pm->anchor[i][0];
			cand[nc].kp[k][1] = r[4 + 2 * k + 1] / DET_SIZE +
			    pm->anchor[i][1];
		}
		nc++;
	}
	qsort(cand, (size_t)nc, sizeof(*cand), by_score);
	used = calloc((size_t)nc + 1, 1);
	if (used == NULL) {
		free(cand);
		return -1;
	}
	left = nc;
	while (left > 0 && no < max) {
		for (i = 0; i < nc && used[i]; i++)
			;
		memset(acc, 0, sizeof(acc));
		tot = 0.0f;
		kept = i;
		for (k = i; k < nc; k++) {
			int	 j;

			if (used[k] || iou(cand[k].box, cand[kept].box) <=
			    NMS_MIN_IOU)
				continue;
			s = cand[k].score;
			tot += s;
			for (j = 0; j < 4; j++)
				acc[j] += cand[k].box[j] * s;
			for (j = 0; j < DET_KEYPOINTS; j++) {
				acc[4 + 2 * j] += cand[k].kp[j][0] * s;
				acc[4 + 2 * j + 1] += cand[k].kp[j][1] * s;
			}
			used[k] = 2;	/* merged in this round */
		}
		out[no] = cand[kept];
		if (tot > 0.0f) {
			for (k = 0; k < 4; k++)
				out[no].box[k] = acc[k] / tot;
			for (k = 0; k < DET_KEYPOINTS; k++) {
				out[no].kp[k][0] = acc[4 + 2 * k] / tot;
				out[no].kp[k][1] = acc[4 + 2 * k + 1] / tot;
			}
		}
		no++;
		for (k = 0; k < nc; k++)
			if (used[k] == 2) {
				used[k] = 1;
				left--;
			}
		if (used[kept] != 1) {
			/* Degenerate box: it does not overlap itself. */
			used[kept] = 1;
			left--;
		}
	}
	free(used);
	free(cand);
	return no;
}

static float
normalize_radians(float a)
{
	return a - 2.0f * (float)M_PI * floorf((a + (float)M_PI) /
	    (2.0f * (float)M_PI));
}

/*
 * pose_detection_to_roi: AlignmentPointsRectsCalculator (keypoint 0 the
 * centre, keypoint 1 the scale and rotation point, target angle 90
 * degrees) then RectTransformationCalculator (square_long, scale 1.25).
 * Keypoints are normalised to the image.
 */
static void
detection_roi(const struct det *d, int w, int h, struct roi *r)
{
	float	 x0 = d->kp[0][0] * w, y0 = d->kp[0][1] * h;
	float	 x1 = d->kp[1][0] * w, y1 = d->kp[1][1] * h;
	float	 size;

	size = sqrtf((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) * 2.0f;
	r->cx = x0;
	r->cy = y0;
	r->rot = normalize_radians((float)M_PI / 2.0f -
	    atan2f(-(y1 - y0), x1 - x0));
	r->w = r->h = size * ROI_SCALE;
}

/*
 * Landmarks: TensorsToLandmarksCalculator (x, y, z over 256, sigmoid
 * visibility and presence), RefineLandmarksFromHeatmapCalculator (kernel
 * 7, min confidence 0.5), LandmarkProjectionCalculator (rotate about the
 * ROI centre, scale by its size) into source pixels.
 */
static void
project_landmarks(const float *raw, const float *hm, const struct roi *r,
    struct pose_person *p)
{
	float		 cs = cosf(r->rot), sn = sinf(r->rot);
	float		 x, y, sum, wc, wr, mx, conf;
	int		 i, cc, cr, row, col, off = (LM_KERNEL - 1) / 2;

	for (i = 0; i < POSE_LM__MAX; i++) {
		const float	*q = raw + 5 * i;

		x = q[0] / LM_SIZE;
		y = q[1] / LM_SIZE;
		cc = (int)(x * LM_HEATMAP);
		cr = (int)(y * LM_HEATMAP);
		if (cc >= 0 && cc < LM_HEATMAP && cr >= 0 && cr < LM_HEATMAP) {
			sum = wc = wr = mx = 0.0f;
			for (row = cr - off; row <= cr + off; row++)
				for (col = cc - off; col <= cc + off; col++) {
					if (row < 0 || col < 0 ||
					    row >= LM_HEATMAP ||
					    col >= LM_HEATMAP)
						continue;
					conf = sigmoidf(hm[((size_t)row *
					    LM_HEATMAP + col) * LM_ALL + i]);
					sum += conf;
					mx = conf > mx ? conf : mx;
					wc += col * conf;
					wr += row * conf;
				}
			if (mx >= LM_MIN_REFINE && sum > 0.0f) {
				x = wc / LM_HEATMAP / sum;
				y = wr / LM_HEATMAP / sum;
			}
		}
		x -= 0.5f;
		y -= 0.5f;
		p->lm[i].x = (cs * x - sn * y) * r->w + r->cx;
		p->lm[i].y = (sn * x + cs * y) * r->h + r->cy;
		p->lm[i].z = q[2] / LM_SIZE * r->w;
		p->lm[i].visibility = sigmoidf(q[3]);
		p->lm[i].presence = sigmoidf(q[4]);
	}
}

/*
 * One bilinear sample of the 256x256 probabilities at (u, v) in texels
 * (centres at .5 already subtracted), zero outside, as 0..255.
 */
static unsigned char
sample_mask(const float *prob, float u, float v)
{
	const float	*p;
	float		 fx, fy, acc, a, b;
	int		 x0, y0, ax, ay, xx, yy;

	if (!(u > -1.0f && v > -1.0f && u < LM_SIZE && v < LM_SIZE))
		return 0;
	x0 = ifloor(u);
	y0 = ifloor(v);
	fx = u - x0;
	fy = v - y0;
	if (x0 >= 0 && y0 >= 0 && x0 + 1 < LM_SIZE && y0 + 1 < LM_SIZE) {
		p = prob + y0 * LM_SIZE + x0;
		a = p[0] + fx * (p[1] - p[0]);
		b = p[LM_SIZE] + fx * (p[LM_SIZE + 1] - p[LM_SIZE]);
		acc = a + fy * (b - a);
	} else {
		acc = 0.0f;
		for (ay = 0; ay < 2; ay++)
			for (ax = 0; ax < 2; ax++) {
				xx = x0 + ax;
				yy = y0 + ay;
				if (xx < 0 || yy < 0 || xx >= LM_SIZE ||
				    yy >= LM_SIZE)
					continue;
				acc += (ax ? fx : 1 - fx) * (ay ? fy : 1 - fy) *
				    prob[yy * LM_SIZE + xx];
			}
	}
	/* acc is in 0..1: rounding is adding a half. */
	acc = acc * 255.0f + 0.5f;
	return (unsigned char)(acc < 0.0f ? 0 : acc > 255.0f ? 255 : acc);
}

/*
 * The segmentation mask: sigmoid of the 256x256 logits, warped back onto
 * the source image (WarpAffineCalculator with the inverse ROI transform,
 * BORDER_ZERO), bilinear at pixel centres, as 0..255.  The texel
 * position is linear along an image row: its start and step per row.
 */
static int
project_mask(const float *logits, const struct roi *r, int w, int h,
    struct pose_person *p)
{
	float		*prob;
	float		 cs = cosf(r->rot), sn = sinf(r->rot), dx, dy;
	float		 ku = LM_SIZE / r->w, kv = LM_SIZE / r->h;
	float		 u0, v0, du, dv, ex, ey;
	int		 x, y, i, xa, xb, ya, yb;
	unsigned char	*row;

	prob = malloc(LM_SIZE * LM_SIZE * sizeof(float));
	if (prob == NULL)
		return -1;
	p->mask = malloc((size_t)w * h);
	if (p->mask == NULL) {
		free(prob);
		return -1;
	}
	for (i = 0; i < LM_SIZE * LM_SIZE; i++)
		prob[i] = sigmoidf(logits[i]);
	/*
	 * Outside the ROI (grown by a texel and two pixels) every sample
	 * falls off the tensor: zero, and not computed.
	 */
	memset(p->mask, 0, (size_t)w * h);
	ex = (fabsf(cs) * r->w + fabsf(sn) * r->h) / 2.0f *
	    (1.0f + 2.0f / LM_SIZE) + 2.0f;
	ey = (fabsf(sn) * r->w + fabsf(cs) * r->h) / 2.0f *
	    (1.0f + 2.0f / LM_SIZE) + 2.0f;
	xa = clampi((int)floorf(r->cx - ex), 0, w);
	xb = clampi((int)ceilf(r->cx + ex), 0, w);
	ya = clampi((int)floorf(r->cy - ey), 0, h);
	yb = clampi((int)ceilf(r->cy + ey), 0, h);
	du = cs * ku;
	dv = -sn * kv;
	for (y = ya; y < yb; y++) {
		dx = xa + 0.5f - r->cx;
		dy = y + 0.5f - r->cy;
		u0 = (cs * dx + sn * dy) * ku + LM_SIZE / 2.0f - 0.5f;
		v0 = (-sn * dx + cs * dy) * kv + LM_SIZE / 2.0f - 0.5f;
		row = p->mask + (size_t)y * w;
		for (x = xa; x < xb; x++)
			row[x] = sample_mask(prob, u0 + du * (x - xa),
			    v0 + dv * (x - xa));
	}
	p->mask_w = w;
	p->mask_h = h;
	free(prob);
	return 0;
}

/*
 * The person's body square: centred on keypoint 0 (mid-hips), half side
 * the distance to keypoint 1 (the detector's full-body scale point), in
 * source pixels -- the square the landmark ROI is built from, before its
 * 1.25 margin.  (The detector's own box is the face's.)
 */
static void
body_box(const struct det *d, int w, int h, float *box)
{
	float	 x0 = d->kp[0][0] * w, y0 = d->kp[0][1] * h;
	float	 x1 = d->kp[1][0] * w, y1 = d->kp[1][1] * h;
	float	 rad = sqrtf((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));

	box[0] = x0 - rad;
	box[1] = y0 - rad;
	box[2] = x0 + rad;
	box[3] = y0 + rad;
}

static int
by_area(const void *a, const void *b)
{
	const struct pose_person *x = a, *y = b;
	float	 ax = box_area(x->box), ay = box_area(y->box);

	return ax < ay ? 1 : ax > ay ? -1 : 0;
}

int
pose_detect(struct pose_model *pm, const struct image *img,
    struct pose_person **out, int *n, char *err, size_t errlen)
{
	struct det		 det[MAX_PERSONS];
	struct pose_person	*ps = NULL;
	struct roi		 r;
	float			 padx = 0.0f, pady = 0.0f, sx, sy;
	int			 nd, i, k, main_i;

	*out = NULL;
	*n = 0;
	if (img == NULL || img->px == NULL || img->w < 1 || img->h < 1)
		return pose_fail(err, errlen, "empty image");
	/* pose_detection_cpu: the whole image, letterboxed, -1..1. */
	r.cx = img->w / 2.0f;
	r.cy = img->h / 2.0f;
	r.w = (float)img->w;
	r.h = (float)img->h;
	r.rot = 0.0f;
	if (img->h < img->w) {
		pady = (1.0f - (float)img->h / img->w) / 2.0f;
		r.h = r.w;
	} else {
		padx = (1.0f - (float)img->w / img->h) / 2.0f;
		r.w = r.h;
	}
	roi_to_tensor(img, &r, DET_SIZE, -1.0f, 1.0f, 1,
	    pm->det.t[pm->det.in[0]].data);
	if (tfl_run(&pm->det, err, errlen) < 0)
		return -1;
	nd = decode_detections(pm, pm->det.t[pm->det.out[0]].data,
	    pm->det.t[pm->det.out[1]].data, det, MAX_PERSONS);
	if (nd < 0)
		return pose_fail(err, errlen, "out of memory");
	if (nd == 0)
		return 0;
	ps = calloc((size_t)nd, sizeof(*ps));
	if (ps == NULL)
		return pose_fail(err, errlen, "out of memory");
	/* DetectionLetterboxRemovalCalculator, then source pixels. */
	sx = 1.0f - 2.0f * padx;
	sy = 1.0f - 2.0f * pady;
	for (i = 0; i < nd; i++) {
		for (k = 0; k < 2; k++) {
			det[i].box[2 * k] = (det[i].box[2 * k] - padx) / sx;
			det[i].box[2 * k + 1] = (det[i].box[2 * k + 1] -
			    pady) / sy;
		}
		for (k = 0; k < DET_KEYPOINTS; k++) {
			det[i].kp[k][0] = (det[i].kp[k][0] - padx) / sx;
			det[i].kp[k][1] = (det[i].kp[k][1] - pady) / sy;
		}
		ps[i].score = det[i].score;
		body_box(&det[i], img->w, img->h, ps[i].box);
	}
	main_i = 0;
	for (i = 1; i < nd; i++)
		if (box_area(ps[i].box) > box_area(ps[main_i].box))
			main_i = i;
	detection_roi(&det[main_i], img->w, img->h, &r);
	roi_to_tensor(img, &r, LM_SIZE, 0.0f, 1.0f, 0,
	    pm->lm.t[pm->lm.in[0]].data);
	if (tfl_run(&pm->lm, err, errlen) < 0)
		goto fail;
	if (pm->lm.t[pm->lm.out[1]].data[0] >= LM_MIN_POSE) {
		project_landmarks(pm->lm.t[pm->lm.out[0]].data,
		    pm->lm.t[pm->lm.out[3]].data, &r, &ps[main_i]);
		if (project_mask(pm->lm.t[pm->lm.out[2]].data, &r, img->w,
		    img->h, &ps[main_i]) < 0) {
			pose_fail(err, errlen, "out of memory");
			goto fail;
		}
	}
	qsort(ps, (size_t)nd, sizeof(*ps), by_area);
	*out = ps;
	*n = nd;
	return 0;
fail:
	pose_persons_free(ps, nd);
	return -1;
}

int
pose_person_has_landmarks(const struct pose_person *p)
{
	return p != NULL && p->mask != NULL;
}

void
pose_person_free(struct pose_person *p)
{
	if (p == NULL)
		return;
	free(p->mask);
	memset(p, 0, sizeof(*p));
}

void
pose_persons_free(struct pose_person *p, int n)
{
	int	 i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++)
		pose_person_free(&p[i]);
	free(p);
}
