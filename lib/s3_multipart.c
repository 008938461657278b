/*
 * Multipart upload (see s3.h, s3_put()): initiate, the parts, complete,
 * and an abort when any step fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3.h"
#include "s3_int.h"
#include "sigv4.h"

/* Multipart upload: initiate, parts, complete; abort on failure. */
int
s3i_put_multipart(struct s3_client *c, const char *bucket, const char *key,
    const unsigned char *data, size_t len, const char *ctype,
    struct s3_error *err)
{
	struct sigv4_header	 h[1] = { { "Content-Type", ctype } };
	struct sigv4_header	 hx[1] = { { "Content-Type",
	    "application/xml" } };
	struct sigv4_param	 q[2];
	struct s3_req		 req;
	struct s3_resp		 resp;
	struct s3_error		 aerr;
	struct buf		 xml = { 0 };
	char			 upload_id[1024], num[24], code[64];
	char			(*etags)[S3_ETAG_MAX] = NULL;
	size_t			 psize, nparts, i, off, n;
	int			 rc;

	psize = c->part_size;
	if (len / psize >= S3_MAX_PARTS)
		psize = len / (S3_MAX_PARTS - 1) + 1;
	nparts = (len + psize - 1) / psize;
	if (nparts == 0)
		nparts = 1;

	/* Initiate. */
	q[0].name = "uploads";
	q[0].value = "";
	s3i_req_init(&req, "POST", bucket, key);
	req.query = q;
	req.nquery = 1;
	req.headers = h;
	req.nheaders = 1;
	req.max_bytes = S3_XMLBODY_MAX;
	rc = s3i_perform(c, &req, &resp, err);
	if (rc != S3_OK) {
		s3i_resp_free(&resp);
		return rc;
	}
	if (!s3i_xml_text(resp.body.p, "UploadId", upload_id,
	    sizeof(upload_id)) || upload_id[0] == '\0' ||
	    strlen(upload_id) >= sizeof(upload_id) - 1) {
		s3i_resp_free(&resp);
		s3i_set_err(err, resp.status, "BadResponse",
		    "no UploadId in the initiate answer");
		c->stats.failures++;
		return S3_EPROTO;
	}
	s3i_resp_free(&resp);
	c->stats.multipart_uploads++;

	etags = calloc(nparts, sizeof(*etags));
	if (etags == NULL) {
		s3i_set_err(err, 0, "OutOfMemory", "out of memory");
		rc = S3_ENOMEM;
		goto abort;
	}

	/* Parts. */
	for (i = 0, off = 0; i < nparts; i++, off += n) {
		n = len - off < psize ? len - off : psize;
		(void)snprintf(num, sizeof(num), "%zu", i + 1);
		q[0].name = "partNumber";
		q[0].value = num;
		q[1].name = "uploadId";
		q[1].value = upload_id;
		s3i_req_init(&req, "PUT", bucket, key);
		req.query = q;
		req.nquery = 2;
		req.body = data + off;
		req.len = n;
		req.max_bytes = S3_ERRBODY_MAX;
		rc = s3i_perform(c, &req, &resp, err);
		if (rc == S3_OK && resp.etag[0] == '\0') {
			s3i_set_err(err, resp.status, "BadResponse",
			    "no ETag for part %zu", i + 1);
			c->stats.failures++;
			rc = S3_EPROTO;
		}
		if (rc == S3_OK)
			(void)snprintf(etags[i], sizeof(etags[i]), "%s",
			    resp.etag);
		s3i_resp_free(&resp);
		if (rc != S3_OK)
			goto abort;
	}

	/* Complete. */
	buf_adds(&xml, "<CompleteMultipartUpload>");
	for (i = 0; i < nparts; i++) {
		(void)snprintf(num, sizeof(num), "%zu", i + 1);
		buf_adds(&xml, "<Part><PartNumber>");
		buf_adds(&xml, num);
		buf_adds(&xml, "</PartNumber><ETag>");
		s3i_buf_add_xml(&xml, etags[i]);
		buf_adds(&xml, "</ETag></Part>");
	}
	buf_adds(&xml, "</CompleteMultipartUpload>");
	if (xml.err) {
		s3i_set_err(err, 0, "OutOfMemory", "out of memory");
		rc = S3_ENOMEM;
		goto abort;
	}
	q[0].name = "uploadId";
	q[0].value = upload_id;
	s3i_req_init(&req, "POST", bucket, key);
	req.query = q;
	req.nquery = 1;
	req.headers = hx;
	req.nheaders = 1;
	req.body = (const unsigned char *)xml.p;
	req.len = xml.len;
	req.max_bytes = S3_XMLBODY_MAX;
	rc = s3i_perform(c, &req, &resp, err);
	/* S3 may report a failed completion inside a 200 answer. */
	if (rc == S3_OK && resp.body.p != NULL &&
	    strstr(resp.body.p, "<Error>") != NULL) {
		if (!s3i_xml_text(resp.body.p, "Code", code, sizeof(code)))
			(void)snprintf(code, sizeof(code), "InternalError");
		s3i_set_err(err, resp.status, code,
		    "multipart completion failed");
		c->stats.failures++;
		rc = S3_EHTTP;
	}
	s3i_resp_free(&resp);
	if (rc == S3_OK)
		goto done;
abort:
	/* Best effort; the original error is what the caller sees. */
	q[0].name = "uploadId";
	q[0].value = upload_id;
	s3i_req_init(&req, "DELETE", bucket, key);
	req.query = q;
	req.nquery = 1;
	req.max_bytes = S3_ERRBODY_MAX;
	(void)s3i_perform(c, &req, &resp, &aerr);
	s3i_resp_free(&resp);
done:
	buf_free(&xml);
	free(etags);
	return rc;
}
