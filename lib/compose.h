/*
 * compose: the `local` provider's deterministic, offline try-on.
 *
 * Pure functions on decoded images (lib/image.h): no I/O, no global
 * state, integer arithmetic only, so the same inputs give the same
 * bytes on every run and build.  There is no AI here and no person
 * detector: the outfit's background is removed by colour (flood fill
 * from the border), and the garment is pasted on a fixed "torso" box
 * of the person photo.  It makes the product runnable without a
 * provider; it does not pretend to fit clothes to a body.
 */
#ifndef PRIMERKA_COMPOSE_H
#define PRIMERKA_COMPOSE_H

#include "image.h"

enum compose_err {
	COMPOSE_OK = 0,
	COMPOSE_E_INVAL = -1,		/* bad argument or empty image */
	COMPOSE_E_NOMEM = -2,		/* allocation failed */
	COMPOSE_E_NO_GARMENT = -3	/* outfit is all background */
};

/*
 * Tunables; compose_params_default() gives the values in brackets and
 * a field <= 0 (feather: < 0) also means "default".  Fractions are in
 * permille so everything stays integer.
 */
struct compose_params {
	int	max_side;	/* output longer side cap, px [1024] */
	int	bg_tolerance;	/* RGB distance counted as background [40] */
	int	feather_px;	/* garment alpha edge ramp, px [3] */
	int	torso_top_pm;	/* garment top, of person height [520] */
	int	torso_width_pm;	/* garment width, of person width [620] */
	int	card_height_pm;	/* person card on a location, of height [880] */
	int	card_feather_pm; /* card mask soft edge, of card width [160] */
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
int		 compose_tryon(const struct image *person,
		    const struct image *outfit, const struct image *location,
		    const struct compose_params *p, struct image *out);
int		 compose_place(const struct image *person,
		    const struct image *location,
		    const struct compose_params *p, struct image *out);
int		 compose_thumbnail(const struct image *img, int max_side,
		    struct image *out);

#endif /* PRIMERKA_COMPOSE_H */
