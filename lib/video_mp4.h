/*
 * The MP4 box-table check that lib/video.c runs before FFmpeg's mov
 * demuxer sees a file: pure C over the bytes, no FFmpeg.
 */
#ifndef PRIMERKA_VIDEO_MP4_H
#define PRIMERKA_VIDEO_MP4_H

#include <stddef.h>
#include <stdint.h>

/*
 * Walk the boxes of the MP4 p (len bytes) as the demuxer will and refuse
 * a sample table whose declared entries do not fit in its box, more
 * samples than a few hours of video, or a compressed movie header.
 * Returns 0, or -1 with the reason in err (errlen bytes).
 */
int	 video_mp4_check(const unsigned char *p, size_t len, char *err,
	    size_t errlen);

/*
 * Offsets of the top-level moov and first mdat boxes of p (-1 when
 * absent); the walk stops at the first malformed box header.
 */
void	 video_mp4_boxes(const unsigned char *p, size_t len, int64_t *moov,
	    int64_t *mdat);

#endif /* PRIMERKA_VIDEO_MP4_H */
