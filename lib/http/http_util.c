/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http helpers around the parser: field lookup, names of methods and
 * status codes (RFC 9110 9 and 15).
 */
#include <stddef.h>

#include "http_priv.h"

const struct sl_http_hdr *
sl_http_find(const struct sl_http_parser *p, enum sl_http_hdr_id id)
{
	if ((unsigned)id >= SL_HTTP_H__MAX || p->hdr_index[id] == 0)
		return NULL;
	return &p->hdrs[p->hdr_index[id] - 1];
}

const char *
sl_http_method_name(enum sl_http_method m)
{
	static const char *const names[] = {
		[SL_HTTP_M_GET] = "GET",	 [SL_HTTP_M_HEAD] = "HEAD",
		[SL_HTTP_M_POST] = "POST",	 [SL_HTTP_M_PUT] = "PUT",
		[SL_HTTP_M_DELETE] = "DELETE",	 [SL_HTTP_M_CONNECT] = "CONNECT",
		[SL_HTTP_M_OPTIONS] = "OPTIONS", [SL_HTTP_M_TRACE] = "TRACE",
		[SL_HTTP_M_PATCH] = "PATCH",
	};

	if ((unsigned)m >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[m];
}

const char *
sl_http_status_reason(unsigned int code)
{
	switch (code) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}
