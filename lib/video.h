/*
 * video: the local provider's animation.  A still (RGBA8, struct image)
 * becomes a short H.264 MP4 with a slow Ken Burns camera move, entirely
 * in memory: frames are sampled bilinearly from the still, converted to
 * YUV 4:2:0 (BT.709, limited range, our own integer conversion), encoded
 * with libx264 and muxed to MP4 with the moov box before mdat
 * ("faststart") through a custom AVIOContext on a growable buffer.  No
 * temporary files.
 *
 * The same module demuxes and decodes MP4 from memory (video_probe_mp4,
 * video_decode_frame), so the worker can validate a video that an HTTP
 * provider hands back before storing it.
 *
 * Nothing here logs: errors come back as -1 and a short message in the
 * caller's buffer.  FFmpeg's own av_log output is process-wide state
 * and left to the binaries (see video_quiet_logs()).
 */
#ifndef PRIMERKA_VIDEO_H
#define PRIMERKA_VIDEO_H

#include <stddef.h>
#include <stdint.h>

struct image;

/* Defaults and limits of struct video_params. */
#define VIDEO_DEF_FPS		30
#define VIDEO_DEF_SECONDS	4.0
#define VIDEO_DEF_CRF		23
#define VIDEO_MIN_SECONDS	1.0
#define VIDEO_MAX_SECONDS	10.0
#define VIDEO_MAX_LONG_SIDE	1080	/* derived sizes are capped here */
#define VIDEO_MIN_LONG_SIDE	128	/* derived sizes of tiny stills */
#define VIDEO_MIN_SIDE		16
#define VIDEO_MAX_SIDE		1920	/* explicit sizes, H.264 level 4.0 */
#define VIDEO_ZOOM_END		1.12	/* zoom at the last frame */
/* video_parallax_mp4(): each layer's last zoom and sideways drift (of
 * the width). */
#define VIDEO_BG_ZOOM_END	1.03
#define VIDEO_BG_DRIFT		0.012
#define VIDEO_FG_ZOOM_END	1.15
#define VIDEO_FG_DRIFT		0.055

/*
 * What to make.  width/height: the output size; odd values are rounded
 * down to even.  Both 0: derived from the image's aspect, the long side
 * min(image long side, 1080), at least 128.  One of them 0: derived
 * from the other and the image's aspect.  A size whose aspect differs
 * from the image's crops the image (centred horizontally, biased up).
 * fps: 24, 25 or 30.  seconds: 1..10 (3..5 is what the service uses).
 * crf: 1..51, x264's constant rate factor (lower is better; 0, lossless,
 * would need High 4:4:4, which browsers do not play).
 */
struct video_params {
	int	 width;
	int	 height;
	int	 fps;
	double	 seconds;
	int	 crf;
};

/* What video_probe_mp4() found. */
struct video_info {
	int	 width;
	int	 height;
	double	 duration;	/* seconds */
	double	 fps;		/* average frame rate, 0 when unknown */
	int64_t	 frames;	/* video packets actually present */
	char	 codec[32];	/* "h264", "hevc", ... */
	char	 pix_fmt[32];	/* "yuv420p", ... or "" */
	char	 profile[32];	/* "High", "Main", ... or "" */
	int	 has_audio;
	int64_t	 moov_pos;	/* offset of the top-level moov box, or -1 */
	int64_t	 mdat_pos;	/* offset of the first top-level mdat, or -1 */
	int	 faststart;	/* moov found and before any mdat */
	char	 err[128];	/* why video_probe_mp4() returned -1 */
};

void	 video_params_default(struct video_params *p);

/*
 * Animate img into an MP4 (H.264 High, level 4.0, yuv420p, BT.709
 * limited range, GOP 2 s, no audio).  Transparent pixels are composed
 * over white.  The output is bit-identical for the same input and
 * parameters with the same libraries (x264 runs with a fixed thread
 * count and its deterministic mode).  On 0, *mp4 is malloc'd (caller
 * frees) and *len its size; on -1, *mp4 is NULL and err (if errlen > 0)
 * holds a message.
 */
int	 video_panzoom_mp4(const struct image *img,
	    const struct video_params *p, unsigned char **mp4, size_t *len,
	    char *err, size_t errlen);

/*
 * video_panzoom_mp4() in depth, for a person placed on a location
 * (lib/compose.h, compose_layers()): bg, of img's size, is what is
 * behind the person, and alpha (img->w * img->h bytes) cuts the person
 * out of img.  Each frame lays the person over the background, each
 * seen through a camera of its own: both start on the whole picture
 * (the first frame is img), then the background zooms to
 * VIDEO_BG_ZOOM_END and drifts VIDEO_BG_DRIFT of the width sideways
 * while the person, nearer, zooms to VIDEO_FG_ZOOM_END and drifts
 * VIDEO_FG_DRIFT the same way (towards the middle of the picture for
 * them), uncovering the background behind them.  bg or alpha NULL:
 * exactly video_panzoom_mp4().  Deterministic as it is; returns as it
 * does.
 */
int	 video_parallax_mp4(const struct image *img, const struct image *bg,
	    const unsigned char *alpha, const struct video_params *p,
	    unsigned char **mp4, size_t *len, char *err, size_t errlen);

/*
 * The preview for an animation: the still (the video's first frame
 * shows the same picture) fitted into max_side (<= 0 means 1080),
 * composed over white, as a quality 85 JPEG.  On 0, *jpeg is malloc'd
 * (caller frees); on -1 it is NULL.
 */
int	 video_preview(const struct image *img, int max_side,
	    unsigned char **jpeg, size_t *len);

/*
 * Demux an MP4 (only the mov/mp4 demuxer, from memory, no external
 * references) and describe its first video stream; every video packet
 * is counted.  Safe on hostile input.  Returns 0, or -1 with out->err
 * filled (not an MP4, no video stream ...).
 */
int	 video_probe_mp4(const unsigned char *mp4, size_t len,
	    struct video_info *out);

/*
 * Decode frame number index (0-based, in presentation order) of the
 * first video stream of an MP4 into an RGBA image, honouring the
 * stream's colour tags.  On 0 the caller frees *out with image_free();
 * -1 with err filled when the frame does not exist or cannot be decoded.
 */
int	 video_decode_frame(const unsigned char *mp4, size_t len, int index,
	    struct image *out, char *err, size_t errlen);

/*
 * Lower FFmpeg's process-wide log level to errors only (x264 and the
 * MP4 muxer print informational lines otherwise).  For main()s, not
 * for library code.
 */
void	 video_quiet_logs(void);

#endif /* PRIMERKA_VIDEO_H */
