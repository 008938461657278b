/*
 * Helpers shared by the CUnit suites: whole files, child processes'
 * output, emulators and HTTP to them, hex.
 */
#ifndef PRIMERKA_TESTUTIL_H
#define PRIMERKA_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read a whole file into *buf (malloc'd, one spare byte); 0 or -1. */
int	 tu_read_file(const char *path, unsigned char **buf, size_t *len);

/*
 * Run argv (PATH lookup) and capture its stdout: *out is NUL-terminated
 * and the caller frees it.  Returns the exit status, or -1.
 */
int	 tu_run_capture(char *const argv[], char **out);

/*
 * The path of fixture NAME: $PRIMERKA_FIXTURES/NAME, else
 * srcdir/t/data/fixtures, else the shared set beside the checkout.
 * Returns a static buffer, overwritten by the next call.
 */
const char *tu_fixture(const char *srcdir, const char *name);

/* Assert two strings are equal (CUnit), printing both when they are not. */
#define ASSERT_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ == NULL || strcmp(g_, w_) != 0)				\
		fprintf(stderr, "\n%s:%d:\n  got  %s\n  want %s\n",	\
		    __FILE__, __LINE__, g_ ? g_ : "(null)", w_);	\
	CU_ASSERT_PTR_NOT_NULL(g_);					\
	if (g_ != NULL)							\
		CU_ASSERT_STRING_EQUAL(g_, w_);				\
} while (0)

/*
 * Start a test's emulator, `node $srcdir/t/SCRIPT 0 ARGS...` (NULL-ended
 * args, at most 8), which prints its port as its first line; the child
 * dies with the test.  *pid and base ("http://127.0.0.1:PORT") out.
 * 0, or -1 (*pid may still need tu_node_stop()).
 */
int	 tu_node_start(const char *script, const char *const args[],
	    pid_t *pid, char *base, size_t baselen);

/*
 * Stop and reap a child from tu_node_start() and its process group
 * (SIGTERM, SIGKILL after 5 s); *pid becomes -1.  The ones a test leaves
 * running are stopped the same way when it exits.
 */
void	 tu_node_stop(pid_t *pid);

/*
 * A hung request must fail the run, not stall it: after seconds, kill
 * every emulator tu_node_start() started (pid is one of them, kept for
 * the callers) and exit 2.
 */
void	 tu_node_watchdog(pid_t *pid, unsigned int seconds);

/* Milliseconds of CLOCK_MONOTONIC, for timing a call. */
int64_t	 tu_mono_ms(void);

/* An HTTP answer body, NUL-terminated (p may be NULL when empty). */
struct tu_body {
	char	*p;
	size_t	 len;
};

/*
 * GET url, or POST json there (as application/json) when json is not
 * NULL, within 10 s; the body into *b (caller frees b->p).  The HTTP
 * status, or -1.  The caller has run curl_global_init().
 */
long	 tu_http(const char *url, const char *json, struct tu_body *b);

/* Decode lower-case hex in place into a NUL-terminated string; 0 or -1. */
int	 tu_unhex(char *s);

/*
 * Where the bs x bs block of luma plane a (w x h) at (x, y) went in
 * plane b: the shift within +-range px in each axis with the least sum
 * of absolute differences (a search every 2 px, then the 3 x 3 around
 * the best), into *dx and *dy; shifts taking the block out of b are
 * skipped.  Returns the mean absolute difference per pixel at that
 * shift, or -1 when no shift fits.
 */
double	 tu_block_shift(const unsigned char *a, const unsigned char *b,
	    int w, int h, int x, int y, int bs, int range, int *dx, int *dy);

/* What tu_parallax() measured, in pixels. */
struct tu_parallax {
	int	 nfg, nbg;	/* blocks matched in the person, behind */
	double	 fg_dx, fg_dy;	/* the person's mean shift */
	double	 bg_dx, bg_dy;	/* the background's mean shift */
	double	 rx, ry;	/* the person's mean shift beyond what the
				   background's motion gives at their place */
};

/*
 * The motion of a person and of what is behind them between two frames
 * (luma planes a and b, w x h): 24 px blocks on a 24 px grid, each wholly
 * inside the person (sel >= 128, sel w x h in a's frame) or with no
 * person within range px, are found in b (tu_block_shift(), within
 * range); a zoom and shift per axis (d = s * x + t) is fitted to the
 * background's blocks by least squares, and the person's blocks are
 * measured against it.  0, or -1 with fewer than 4 blocks of either.
 */
int	 tu_parallax(const unsigned char *a, const unsigned char *b,
	    const unsigned char *sel, int w, int h, int range,
	    struct tu_parallax *out);

/*
 * tu_parallax() within 64 px between frame 0 and frame last of an MP4,
 * the person told apart by sel (in the frames' size).  *first gets
 * frame 0 (the caller frees it with image_free()).  0, or -1 when a
 * frame does not decode or tu_parallax() fails.
 */
struct image;
int	 tu_parallax_mp4(const unsigned char *mp4, size_t len, int last,
	    const unsigned char *sel, struct image *first,
	    struct tu_parallax *out);

#endif /* PRIMERKA_TESTUTIL_H */
