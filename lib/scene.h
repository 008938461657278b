/*
 * A location's scene in tags and words, from cheap and honest cues:
 * colour names (HSV bins), brightness, colourfulness (Hasler-Suesstrunk),
 * smooth light blue in the top third ("sky"), textured green
 * ("greenery"), warm/cool cast, detail (edge density), contrast,
 * orientation.  Time of day is claimed only when the cues are strong
 * (blue sky and light: day; a black top third with light sources:
 * night).  Nothing is claimed that these numbers cannot show (no
 * "indoor"/"outdoor", no objects).
 */
#ifndef PRIMERKA_SCENE_H
#define PRIMERKA_SCENE_H

#include "image.h"
#include "qc.h"

/*
 * Tag and describe the scene of img (the analysis image) with its luma
 * plane (img->w * img->h bytes).  Reads r's luma statistics and edge
 * density (computed before); sets its colourfulness, warmth, sky and
 * green shares, colours, brightness, time of day, tags, the en and ru
 * descriptions, and tags_done.
 */
void	 scene_tags(const struct image *img, const unsigned char *luma,
	    struct qc_report *r);

#endif /* PRIMERKA_SCENE_H */
