/*
 * Helpers shared by the CUnit suites.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "image.h"
#include "testutil.h"
#include "video.h"

int
tu_read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	*buf = NULL;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return -1;
	}
	n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	*buf = malloc((size_t)n + 1);
	if (*buf == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		free(*buf);
		*buf = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

int
tu_run_capture(char *const argv[], char **out)
{
	int	 fd[2], st;
	pid_t	 pid;
	size_t	 n = 0, cap = 65536;
	ssize_t	 r;
	char	*b, *nb;

	*out = NULL;
	b = malloc(cap);
	if (b == NULL || pipe(fd) != 0) {
		free(b);
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		free(b);
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		if (dup2(fd[1], 1) == -1)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			nb = realloc(b, cap);
			if (nb == NULL)
				break;
			b = nb;
		}
		r = read(fd[0], b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd[0]);
	b[n] = '\0';
	*out = b;
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
tu_unhex(char *s)
{
	size_t	 i, n = strlen(s);
	int	 hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
		lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' :
		    s[2 * i + 1] - 'a' + 10;
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return -1;
		s[i] = (char)(hi << 4 | lo);
	}
	s[n / 2] = '\0';
	return 0;
}

const char *
tu_fixture(const char *srcdir, const char *name)
{
	static char	 p[1024];
	const char	*env = getenv("PRIMERKA_FIXTURES");

	if (env != NULL && *env != '\0') {
		snprintf(p, sizeof(p), "%s/%s", env, name);
		return p;
	}
	snprintf(p, sizeof(p), "%s/t/data/fixtures/%s", srcdir, name);
	if (access(p, R_OK) != 0)
		snprintf(p, sizeof(p), "%s/../shared/fixtures/%s", srcdir,
		    name);
	return p;
}

/*
 * Every emulator this test started and has not reaped: stopped by
 * tu_node_stop(), and by the exit handler and the watchdog whatever path
 * the test leaves by (a suite that returns early, a failed start).
 */
#define TU_NODE_MAX	8
static pid_t	 node_pids[TU_NODE_MAX];
static int	 node_atexit;

static void
node_forget(pid_t pid)
{
	int	 i;

	for (i = 0; i < TU_NODE_MAX; i++)
		if (node_pids[i] == pid)
			node_pids[i] = 0;
}

/*
 * Kill a child's process group: SIGTERM, up to 5 s for the child to end,
 * then SIGKILL to whatever is left of the group (anything the emulator
 * started), before the child is reaped so that its id is not reused.
 */
static void
node_kill(pid_t pid)
{
	siginfo_t	 si;
	int		 st, i;

	if (pid <= 0)
		return;
	(void)kill(-pid, SIGTERM);
	(void)kill(pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == -1 || si.si_pid == pid)
			break;
		usleep(10000);
	}
	(void)kill(-pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	node_forget(pid);
}

static void
node_kill_all(void)
{
	int	 i;

	for (i = 0; i < TU_NODE_MAX; i++)
		if (node_pids[i] > 0)
			node_kill(node_pids[i]);
}

int
tu_node_start(const char *script, const char *const args[], pid_t *pid,
    char *base, size_t baselen)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024], line[64], *end;
	const char	*argv[12];
	int		 fd[2];
	struct pollfd	 pfd;
	size_t		 n = 0, i;
	long		 port;
	pid_t		 parent = getpid();
	int		 slot;

	*pid = -1;
	for (slot = 0; slot < TU_NODE_MAX && node_pids[slot] > 0; slot++)
		continue;
	if (slot == TU_NODE_MAX)
		return -1;
	if (!node_atexit && atexit(node_kill_all) == 0)
		node_atexit = 1;
	if (srcdir == NULL || srcdir[0] == '\0')
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/t/%s", srcdir, script);
	argv[0] = "node";
	argv[1] = path;
	argv[2] = "0";
	for (i = 0; args != NULL && args[i] != NULL && i < 8; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	if (pipe(fd) == -1)
		return -1;
	*pid = fork();
	if (*pid == -1) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (*pid == 0) {
		/*
		 * Never outlive the test, however it ends: its own process
		 * group (stopped as one), a signal when the test dies, and
		 * no start at all if it died before the request was made.
		 */
		(void)setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp("node", (char *const *)argv);
		_exit(127);
	}
	(void)setpgid(*pid, *pid);
	node_pids[slot] = *pid;
	close(fd[1]);
	while (n < sizeof(line) - 1) {
		pfd.fd = fd[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 15000) <= 0 || read(fd[0], line + n, 1) <= 0 ||
		    line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(fd[0]);
	errno = 0;
	port = strtol(line, &end, 10);
	if (end == line || *end != '\0' || errno != 0 || port < 1 ||
	    port > 65535) {
		fprintf(stderr, "%s did not start (got '%s')\n", script, line);
		return -1;
	}
	snprintf(base, baselen, "http://127.0.0.1:%ld", port);
	return 0;
}

void
tu_node_stop(pid_t *pid)
{
	if (*pid > 0)
		node_kill(*pid);
	*pid = -1;
}

static void
on_alarm(int sig)
{
	int	 i;

	(void)sig;
	for (i = 0; i < TU_NODE_MAX; i++)
		if (node_pids[i] > 0) {
			(void)kill(-node_pids[i], SIGKILL);
			(void)kill(node_pids[i], SIGKILL);
		}
	_exit(2);
}

void
tu_node_watchdog(pid_t *pid, unsigned int seconds)
{
	(void)pid;
	signal(SIGALRM, on_alarm);
	alarm(seconds);
}

int64_t
tu_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl's write callback: append to a struct tu_body. */
static size_t
body_write(char *p, size_t size, size_t n, void *arg)
{
	struct tu_body	*b = arg;
	char		*np;

	np = realloc(b->p, b->len + size * n + 1);
	if (np == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

long
tu_http(const char *url, const char *json, struct tu_body *b)
{
	CURL			*c;
	struct curl_slist	*hl = NULL;
	long			 status = -1;

	memset(b, 0, sizeof(*b));
	c = curl_easy_init();
	if (c == NULL)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (json != NULL) {
		hl = curl_slist_append(hl, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return status;
}

/* Sum of absolute differences of a bs block at (x, y) in a and b,
 * stopping once past limit. */
static long
block_sad(const unsigned char *a, const unsigned char *b, int w, int x,
    int y, int bx, int by, int bs, long limit)
{
	const unsigned char	*p, *q;
	long			 sad = 0;
	int			 i, j;

	for (j = 0; j < bs && sad <= limit; j++) {
		p = a + (size_t)(y + j) * w + x;
		q = b + (size_t)(by + j) * w + bx;
		for (i = 0; i < bs; i++)
			sad += abs((int)p[i] - (int)q[i]);
	}
	return sad;
}

double
tu_block_shift(const unsigned char *a, const unsigned char *b, int w, int h,
    int x, int y, int bs, int range, int *dx, int *dy)
{
	long	 best = -1, sad;
	int	 u, v, cu = 0, cv = 0, step, lo, hi, pass, i, j, bx, by;

	*dx = *dy = 0;
	for (pass = 0; pass < 2; pass++) {
		step = pass == 0 ? 2 : 1;
		lo = pass == 0 ? -range : -1;
		hi = pass == 0 ? range : 1;
		u = cu;
		v = cv;
		for (j = lo; j <= hi; j += step) {
			for (i = lo; i <= hi; i += step) {
				bx = x + u + i;
				by = y + v + j;
				if (bx < 0 || by < 0 || bx + bs > w ||
				    by + bs > h)
					continue;
				sad = block_sad(a, b, w, x, y, bx, by, bs,
				    best < 0 ? LONG_MAX : best);
				if (best < 0 || sad < best) {
					best = sad;
					cu = u + i;
					cv = v + j;
				}
			}
		}
		if (best < 0)
			return -1;
	}
	*dx = cu;
	*dy = cv;
	return (double)best / ((double)bs * bs);
}

/* Whether the bs block at (x, y) is all person (1), clear of them
 * within margin (0), or neither (-1). */
static int
block_kind(const unsigned char *sel, int w, int h, int x, int y, int bs,
    int margin)
{
	int	i, j, in = 1, near = 0;

	for (j = y - margin; j < y + bs + margin; j++) {
		for (i = x - margin; i < x + bs + margin; i++) {
			if (i < 0 || j < 0 || i >= w || j >= h)
				continue;
			if (sel[(size_t)j * w + i] != 0)
				near = 1;
			if (i >= x && i < x + bs && j >= y && j < y + bs &&
			    sel[(size_t)j * w + i] < 128)
				in = 0;
		}
	}
	return in ? 1 : near ? -1 : 0;
}

/* Least squares d = s * c + t over n points; s and t out. */
static void
fit_line(const double *c, const double *d, int n, double *s, double *t)
{
	double	mc = 0, md = 0, cc = 0, cd = 0;
	int	i;

	for (i = 0; i < n; i++) {
		mc += c[i] / n;
		md += d[i] / n;
	}
	for (i = 0; i < n; i++) {
		cc += (c[i] - mc) * (c[i] - mc);
		cd += (c[i] - mc) * (d[i] - md);
	}
	*s = cc > 0 ? cd / cc : 0;
	*t = md - *s * mc;
}

int
tu_parallax(const unsigned char *a, const unsigned char *b,
    const unsigned char *sel, int w, int h, int range,
    struct tu_parallax *out)
{
	enum { BS = 24 };
	double	*bx, *by, *bdx, *bdy, *fx, *fy, *fdx, *fdy, sx, tx, sy, ty;
	int	 x, y, k, dx, dy, max, rc = -1, i;

	memset(out, 0, sizeof(*out));
	max = (w / BS + 1) * (h / BS + 1);
	bx = calloc((size_t)max * 8, sizeof(double));
	if (bx == NULL)
		return -1;
	by = bx + max;
	bdx = by + max;
	bdy = bdx + max;
	fx = bdy + max;
	fy = fx + max;
	fdx = fy + max;
	fdy = fdx + max;
	for (y = range; y + BS + range <= h; y += BS) {
		for (x = range; x + BS + range <= w; x += BS) {
			k = block_kind(sel, w, h, x, y, BS, range);
			if (k < 0 || tu_block_shift(a, b, w, h, x, y, BS,
			    range, &dx, &dy) < 0)
				continue;
			if (k == 1) {
				fx[out->nfg] = x + BS / 2.0;
				fy[out->nfg] = y + BS / 2.0;
				fdx[out->nfg] = dx;
				fdy[out->nfg++] = dy;
			} else {
				bx[out->nbg] = x + BS / 2.0;
				by[out->nbg] = y + BS / 2.0;
				bdx[out->nbg] = dx;
				bdy[out->nbg++] = dy;
			}
		}
	}
	if (out->nfg < 4 || out->nbg < 4)
		goto done;
	fit_line(bx, bdx, out->nbg, &sx, &tx);
	fit_line(by, bdy, out->nbg, &sy, &ty);
	for (i = 0; i < out->nbg; i++) {
		out->bg_dx += bdx[i] / out->nbg;
		out->bg_dy += bdy[i] / out->nbg;
	}
	for (i = 0; i < out->nfg; i++) {
		out->fg_dx += fdx[i] / out->nfg;
		out->fg_dy += fdy[i] / out->nfg;
		out->rx += (fdx[i] - (sx * fx[i] + tx)) / out->nfg;
		out->ry += (fdy[i] - (sy * fy[i] + ty)) / out->nfg;
	}
	rc = 0;
done:
	free(bx);
	return rc;
}

/* Integer luma of an RGBA image (malloc'd w * h), or NULL. */
static unsigned char *
luma_plane(const struct image *img)
{
	unsigned char		*l;
	size_t			 i, n = (size_t)img->w * img->h;
	const unsigned char	*p;

	l = malloc(n);
	if (l == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		p = img->px + i * 4;
		l[i] = (unsigned char)((77 * p[0] + 150 * p[1] + 29 * p[2]) >>
		    8);
	}
	return l;
}

int
tu_parallax_mp4(const unsigned char *mp4, size_t len, int last,
    const unsigned char *sel, struct image *first, struct tu_parallax *out)
{
	struct image	 b = { 0 };
	unsigned char	*la = NULL, *lb = NULL;
	char		 err[256];
	int		 rc = -1;

	memset(first, 0, sizeof(*first));
	if (video_decode_frame(mp4, len, 0, first, err, sizeof(err)) != 0 ||
	    video_decode_frame(mp4, len, last, &b, err, sizeof(err)) != 0) {
		fprintf(stderr, "decode: %s\n", err);
		goto done;
	}
	la = luma_plane(first);
	lb = luma_plane(&b);
	if (la != NULL && lb != NULL)
		rc = tu_parallax(la, lb, sel, b.w, b.h, 64, out);
done:
	image_free(&b);
	free(la);
	free(lb);
	return rc;
}
