/*
 * body: a person's pose (lib/pose.h) as the offline compositor uses it,
 * brought to the pixels of the image being composed: landmarks scaled,
 * the person mask resampled (or drawn from the landmarks when the pose
 * has none), and the body's frame (shoulder and hip lines, torso axis)
 * that garments are fitted to.  Internal to lib/dress.c and
 * lib/place.c; the public calls are in lib/compose.h.
 */
#ifndef PRIMERKA_BODY_H
#define PRIMERKA_BODY_H

#include "compose.h"
#include "image.h"
#include "pose.h"

struct body {
	int		 w, h;		/* the image's size */
	double		 x[POSE_LM__MAX];
	double		 y[POSE_LM__MAX];
	double		 vis[POSE_LM__MAX];
	unsigned char	*mask;		/* w * h, 0..255, owned */
	int		 mask_drawn;	/* 1: from the landmarks, not a model */
	/* The frame: image-left / image-right sides of the body. */
	int		 sl, sr;	/* shoulder landmarks, by x */
	int		 hl, hr;	/* hip landmarks of the same sides */
	double		 smx, smy;	/* shoulder midpoint */
	double		 hmx, hmy;	/* hip midpoint */
	double		 dx, dy;	/* unit vector, shoulders -> hips */
	double		 ax, ay;	/* unit vector across, to image right */
	double		 torso;		/* shoulder mid to hip mid, px */
	double		 sw;		/* shoulder width used, px */
	double		 hw;		/* hip (joint) width used, px */
};

int	body_init(struct body *b, const struct pose_person *pp, int src_w,
	    int src_h, int w, int h);
void	body_free(struct body *b);
int	body_in_torso(const struct body *b, double x, double y, double grow);
void	plane_blur(unsigned char *m, int w, int h, int r);
void	plane_dilate(unsigned char *m, int w, int h, int r);
void	body_capsule(unsigned char *m, int w, int h, double x0, double y0,
	    double x1, double y1, double r, int value);

/* lib/dress.c and lib/place.c on an image already sized for output. */
int	dress_sized(struct image *out, const struct body *b,
	    const struct image *outfit, enum compose_cat cat,
	    const struct compose_params *p);
int	place_sized(const struct image *person, const struct body *b,
	    const struct image *location, const struct compose_params *p,
	    struct image *out);
int	layers_sized(const struct image *result, const struct body *b,
	    const struct image *location, struct image *bg,
	    unsigned char **alpha);

#endif /* PRIMERKA_BODY_H */
