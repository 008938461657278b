/*
 * tps: a 2-D thin-plate spline, the smooth warp of the offline try-on
 * (lib/dress.c).  Fitted to a few point pairs (from -> to), it maps any
 * point of the plane so that every "from" lands exactly on its "to"
 * (or near it, with smoothing) while bending as little as possible
 * elsewhere.  Plain double arithmetic in a fixed order: the same points
 * give the same map on every run.
 */
#ifndef PRIMERKA_TPS_H
#define PRIMERKA_TPS_H

#define TPS_MAX_POINTS	24

struct tps {
	int	n;
	double	ox, oy, scale;		/* "from" normalisation */
	double	cx[TPS_MAX_POINTS];	/* the control points ("from") */
	double	cy[TPS_MAX_POINTS];
	double	wx[TPS_MAX_POINTS + 3];	/* kernel weights, then a0 ax ay */
	double	wy[TPS_MAX_POINTS + 3];
};

int	tps_fit(struct tps *t, int n, const double *fx, const double *fy,
	    const double *tx, const double *ty, double smooth);
void	tps_map(const struct tps *t, double x, double y, double *ox,
	    double *oy);

#endif /* PRIMERKA_TPS_H */
