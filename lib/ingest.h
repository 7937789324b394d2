/*
 * libcs - None. Not API.
 */
#ifndef CS_INGEST_PRIVATE_H
#define CS_INGEST_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"
#include "store/ingest.h"

#define CS_INGEST__MSGID_MAX (CS_EXTERNAL_ID_MAX - 2) /* stored with its angle brackets */
#define CS_INGEST__LOCALE_MAX 35

/* The message ids a References or In-Reply-To header names, in order, without angle
 * brackets; at most max, the last ones. An empty list for NULL. Release with
 * cs_strv__free. */
int cs_ingest__msgids(cs_strv *out, const char *header, size_t max);
/* One id (an external id, a social reply-to) as it compares: trimmed, without angle
 * brackets. False when nothing is left or it is too long. */
bool cs_ingest__msgid_key(char out[CS_INGEST__MSGID_MAX + 1], const char *id);
/* The subject without reply and forward marks, list tags and ticket numbers in front,
 * white space folded; was_reply says whether it carried a reply or forward mark. */
void cs_ingest__base_subject(char *out, size_t size, const char *subject, bool *was_reply);
/* A locale hint as a BCP 47 tag ("de_DE.UTF-8@euro" -> "de-DE"); false when it is none. */
bool cs_ingest__locale(char out[CS_INGEST__LOCALE_MAX + 1], const char *hint);
/* A one-line text (a name, a subject) made fit: invalid bytes become U+FFFD, runs of
 * white space and control characters one space, no space at either end, cut at a
 * character to at most max bytes. *out is NULL when nothing is left (or text is NULL);
 * release with cs_mem__free. */
int cs_ingest__clean_line(char **out, const char *text, size_t max);

/* What cs_ingest_mail() adds to a message. Strings may be NULL. */
typedef struct cs_ingest__mail {
    int kind;                              /* enum cs_mail_kind: no receipt unless MESSAGE */
    const char *quoted, *signature, *html; /* kept beside the body */
    const char *reply_to;                  /* the Reply-To address, when another */
    cs_time date;                          /* the Date header, or 0 */
    const char *tag;                       /* a tag for a new ticket */
    const char *fallback_id; /* the external id when the given one cannot be kept, or another
                                sender's mail has it */
} cs_ingest__mail;
/* The host's rights to ingest (CS_CAP_INGEST, unscoped) into *host. */
int cs_ingest__host(cs_actor *host, cs_db *db);
/* Ingest `msg` for `host` in a section of its own (cs_db__begin: a savepoint only straight
 * inside a host's section), filling the zeroed result r; with `mail`, its additions too. */
int cs_ingest__run(cs_ingest_result *r, cs_db *db, const cs_actor *host, const cs_inbound *msg,
                   const cs_ingest__mail *mail);

#endif
