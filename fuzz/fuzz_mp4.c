/*
 * libFuzzer target for the MP4 checks the worker runs on a video an HTTP
 * provider hands back (lib/video.c): video_probe_mp4() and
 * video_decode_frame() of frame 0, on arbitrary bytes.
 *
 * FFmpeg itself is the system's (not instrumented), so coverage guidance
 * stops at lib/video.c and the seeds matter: fuzz/corpus/mp4 holds small
 * valid files of the shapes a provider may send and truncations of them.
 * They were made with (32x32, a few frames each):
 *   ffmpeg -f lavfi -i testsrc=s=32x32:r=5 -frames:v 3 -c:v libx264 \
 *       -pix_fmt yuv420p -movflags +faststart h264_faststart.mp4
 * (and likewise without faststart, with an AAC track, fragmented, as
 * HEVC, MPEG-4 part 2, MJPEG and yuvj420p) plus one video_panzoom_mp4()
 * output of a 32x32 still (see the report that added this file), and
 * oom_trun_samples.mp4: an input this target found, a track fragment
 * declaring millions of samples, which made the demuxer allocate 2.8 GB
 * before lib/video.c learnt to check sample tables against their boxes.
 *
 * Checked: whatever probes or decodes is self-consistent (sizes within
 * video.c's decode caps, strings terminated, counts non-negative), and
 * ASan/UBSan see every byte touched.  libFuzzer's -timeout and
 * -rss_limit_mb catch a probe that hangs or balloons.
 *
 * fuzz-sources: lib/video.c lib/video_mp4.c lib/image.c lib/image_resize.c
 * fuzz-sources: lib/image_encode.c lib/util.c
 * fuzz-pkgs: libavcodec libavformat libavutil libswscale libjpeg libpng libwebp
 * fuzz-corpus: fuzz/corpus/mp4
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#include "image.h"
#include "video.h"

/* A broken promise: say where, then abort (libFuzzer saves the input). */
#define FUZZ_FAIL()	fuzz_fail(__LINE__)

#define TERMINATED(a)	(memchr((a), '\0', sizeof(a)) != NULL)

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_mp4.c:%d: invariant broken\n", line);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* FFmpeg would print a line for most fuzzed inputs. */
	av_log_set_level(AV_LOG_QUIET);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct video_info	 vi;
	struct image		 img;
	char			 err[128];

	if (video_probe_mp4(data, size, &vi) == 0) {
		if (vi.width < 0 || vi.height < 0 || vi.frames < 0 ||
		    !(vi.duration >= 0) || !(vi.fps >= 0) ||
		    !TERMINATED(vi.codec) || !TERMINATED(vi.pix_fmt) ||
		    !TERMINATED(vi.profile) || vi.err[0] != '\0' ||
		    vi.moov_pos < -1 || vi.mdat_pos < -1 ||
		    vi.moov_pos >= (int64_t)size ||
		    vi.mdat_pos >= (int64_t)size ||
		    (vi.faststart && vi.moov_pos < 0))
			FUZZ_FAIL();
	} else if (vi.err[0] == '\0' || !TERMINATED(vi.err))
		FUZZ_FAIL();

	err[0] = 'x';
	if (video_decode_frame(data, size, 0, &img, err, sizeof(err)) == 0) {
		if (img.w < 1 || img.h < 1 || img.w > 8192 || img.h > 8192 ||
		    (int64_t)img.w * img.h > (INT64_C(1) << 26) ||
		    img.px == NULL)
			FUZZ_FAIL();
		/* Every byte of the frame must be there (ASan checks). */
		img.px[0] ^= img.px[(size_t)img.w * img.h * 4 - 1];
		image_free(&img);
	} else {
		if (err[0] == '\0' || !TERMINATED(err) || img.px != NULL)
			FUZZ_FAIL();
	}
	return 0;
}
