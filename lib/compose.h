/*
 * compose: the `local` provider's deterministic, offline try-on.
 *
 * Pure functions on decoded images (lib/image.h) and a person's pose
 * (lib/pose.h): no I/O, no global state, no threads, so the same inputs
 * give the same bytes on every run.  A classical warp, not a generative
 * model: the garment is cut from its catalogue image (alpha, or its
 * plain background removed by colour), its key points are found from
 * its silhouette, and a thin-plate spline (lib/tps.c) bends it onto the
 * body's landmarks (lib/dress.c); it is clipped to the person mask,
 * arms crossing it stay in front and the photo's own shading is kept.
 * With a location the person (mask) is placed on it with its light
 * matched (lib/place.c).  It cannot invent what the photo does not
 * show (a back, folds the garment would make, a sleeve's hidden side).
 */
#ifndef PRIMERKA_COMPOSE_H
#define PRIMERKA_COMPOSE_H

#include "image.h"
#include "pose.h"

enum compose_err {
	COMPOSE_OK = 0,
	COMPOSE_E_INVAL = -1,		/* bad argument or empty image */
	COMPOSE_E_NOMEM = -2,		/* allocation failed */
	COMPOSE_E_NO_GARMENT = -3,	/* outfit is all background */
	COMPOSE_E_NO_BODY = -4		/* the pose is unusable */
};

/* Where a garment goes (the outfits' category column). */
enum compose_cat {
	COMPOSE_CAT_TOPS = 0,
	COMPOSE_CAT_BOTTOMS,
	COMPOSE_CAT_ONE_PIECES,
	COMPOSE_CAT__MAX
};

extern const char *const compose_cat_names[COMPOSE_CAT__MAX];

/*
 * Tunables; compose_params_default() gives the values in brackets and
 * a field <= 0 (feather: < 0) also means "default".  Fractions are in
 * permille so everything stays integer.
 */
struct compose_params {
	int	max_side;	/* output longer side cap, px [1024] */
	int	bg_tolerance;	/* RGB distance counted as background [40] */
	int	feather_px;	/* garment alpha edge ramp, px [3] */
	int	margin_pm;	/* clip margin round the mask, of the
				   shoulder width [60] */
	int	shading_pm;	/* photo shading carried onto the
				   garment [700] */
	int	light_pm;	/* share of the location's light the person
				   takes on [400] */
};

/* Garment bounding box inside a cutout (compose_cutout()). */
struct compose_box {
	int	x, y, w, h;
};

const char	*compose_strerror(int err);
void		 compose_params_default(struct compose_params *p);

int		 compose_cutout(const struct image *outfit,
		    const struct compose_params *p, struct image *out,
		    struct compose_box *box);
int		 compose_cat_parse(const char *name);
void		 compose_pose_nominal(int w, int h, struct pose_person *pp);
int		 compose_dress(const struct image *person,
		    const struct pose_person *pp, const struct image *outfit,
		    enum compose_cat cat, const struct compose_params *p,
		    struct image *out);
int		 compose_place_person(const struct image *person,
		    const struct pose_person *pp, const struct image *location,
		    const struct compose_params *p, struct image *out);
int		 compose_place_found(struct pose_model *pm,
		    const struct image *person, const struct image *location,
		    const struct compose_params *p, struct image *out,
		    int *found);
int		 compose_layers(const struct image *result,
		    const struct pose_person *pp, const struct image *location,
		    struct image *bg, unsigned char **alpha);
int		 compose_tryon(const struct image *person,
		    const struct pose_person *pp, const struct image *outfit,
		    enum compose_cat cat, const struct image *location,
		    const struct compose_params *p, struct image *out);
int		 compose_thumbnail(const struct image *img, int max_side,
		    struct image *out);

#endif /* PRIMERKA_COMPOSE_H */
