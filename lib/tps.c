/*
 * tps.c: thin-plate spline fit (a small dense linear system solved by
 * Gaussian elimination with partial pivoting) and evaluation.
 *
 * The kernel is U(r) = r^2 log r^2.  With n control points p_i the map
 * is f(q) = a0 + ax q.x + ay q.y + sum w_i U(|q - p_i|), one such f per
 * output coordinate; the (n + 3) x (n + 3) system is
 *	[ K + s I   P ] [ w ]   [ v ]
 *	[ P^T       0 ] [ a ] = [ 0 ]
 * with K_ij = U(|p_i - p_j|), P_i = (1, x_i, y_i) and s the smoothing.
 */
#include <math.h>
#include <string.h>

#include "tps.h"

static double
kernel(double dx, double dy)
{
	double	r2 = dx * dx + dy * dy;

	return r2 <= 1e-12 ? 0.0 : r2 * log(r2);
}

/*
 * Solve a * x = b in place for two right-hand sides (b0, b1), m <=
 * TPS_MAX_POINTS + 3.  Returns 0, or -1 when the matrix is singular
 * (for instance three collinear control points and nothing else).
 */
static int
solve(double a[][TPS_MAX_POINTS + 3], double *b0, double *b1, int m)
{
	double	f, t;
	int	i, j, k, piv;

	for (k = 0; k < m; k++) {
		piv = k;
		for (i = k + 1; i < m; i++)
			if (fabs(a[i][k]) > fabs(a[piv][k]))
				piv = i;
		if (fabs(a[piv][k]) < 1e-10)
			return -1;
		if (piv != k) {
			for (j = 0; j < m; j++) {
				t = a[k][j];
				a[k][j] = a[piv][j];
				a[piv][j] = t;
			}
			t = b0[k]; b0[k] = b0[piv]; b0[piv] = t;
			t = b1[k]; b1[k] = b1[piv]; b1[piv] = t;
		}
		for (i = k + 1; i < m; i++) {
			f = a[i][k] / a[k][k];
			if (f == 0.0)
				continue;
			for (j = k; j < m; j++)
				a[i][j] -= f * a[k][j];
			b0[i] -= f * b0[k];
			b1[i] -= f * b1[k];
		}
	}
	for (k = m - 1; k >= 0; k--) {
		for (j = k + 1; j < m; j++) {
			b0[k] -= a[k][j] * b0[j];
			b1[k] -= a[k][j] * b1[j];
		}
		b0[k] /= a[k][k];
		b1[k] /= a[k][k];
	}
	return 0;
}

/*
 * Fit *t so that (fx[i], fy[i]) maps to (tx[i], ty[i]), i < n, with
 * 3 <= n <= TPS_MAX_POINTS; smooth >= 0 relaxes exact interpolation
 * (0 is exact; the "from" points are normalised to a unit box first,
 * so the value does not depend on the pixel scale).  Returns 0, or -1 for a bad
 * n or a degenerate point set (then *t maps nothing useful).
 */
int
tps_fit(struct tps *t, int n, const double *fx, const double *fy,
    const double *tx, const double *ty, double smooth)
{
	double	a[TPS_MAX_POINTS + 3][TPS_MAX_POINTS + 3];
	double	x0, y0, x1, y1, s;
	int	i, j, m = n + 3;

	if (t == NULL || n < 3 || n > TPS_MAX_POINTS)
		return -1;
	memset(t, 0, sizeof(*t));
	memset(a, 0, sizeof(a));
	t->n = n;
	x0 = x1 = fx[0];
	y0 = y1 = fy[0];
	for (i = 1; i < n; i++) {
		x0 = fmin(x0, fx[i]);
		x1 = fmax(x1, fx[i]);
		y0 = fmin(y0, fy[i]);
		y1 = fmax(y1, fy[i]);
	}
	s = fmax(x1 - x0, y1 - y0);
	if (!(s > 0.0))
		return -1;
	t->ox = x0;
	t->oy = y0;
	t->scale = 1.0 / s;
	for (i = 0; i < n; i++) {
		t->cx[i] = (fx[i] - x0) * t->scale;
		t->cy[i] = (fy[i] - y0) * t->scale;
		t->wx[i] = tx[i];
		t->wy[i] = ty[i];
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			a[i][j] = kernel(t->cx[i] - t->cx[j],
			    t->cy[i] - t->cy[j]);
		a[i][i] += smooth;
		a[i][n] = a[n][i] = 1.0;
		a[i][n + 1] = a[n + 1][i] = t->cx[i];
		a[i][n + 2] = a[n + 2][i] = t->cy[i];
	}
	if (solve(a, t->wx, t->wy, m) != 0)
		return -1;
	return 0;
}

/*
 * Where (x, y) goes under the fitted spline: *ox, *oy.
 */
void
tps_map(const struct tps *t, double x, double y, double *ox, double *oy)
{
	double	sx, sy, u;
	int	i, n = t->n;

	x = (x - t->ox) * t->scale;
	y = (y - t->oy) * t->scale;
	sx = t->wx[n] + t->wx[n + 1] * x + t->wx[n + 2] * y;
	sy = t->wy[n] + t->wy[n + 1] * x + t->wy[n + 2] * y;
	for (i = 0; i < n; i++) {
		u = kernel(x - t->cx[i], y - t->cy[i]);
		sx += t->wx[i] * u;
		sy += t->wy[i] * u;
	}
	*ox = sx;
	*oy = sy;
}
