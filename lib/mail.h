/*
 * libcs - None. Not API.
 */
#ifndef CS_MAIL_PRIVATE_H
#define CS_MAIL_PRIVATE_H

#include "cs-internal.h"
#include "store/mail.h"

/* Text in `charset` (NULL: undeclared) as UTF-8: bytes in no charset become U+FFFD (or are
 * read as Windows-1252 where the charset is unknown or ISO-8859-1), NUL a space, line
 * ends LF. *out is released with cs_mem__free. */
int cs_mail__to_utf8(char **out, const void *data, size_t len, const char *charset);
/* Set up GMime and libxml2 for the process, once, whichever thread and module comes first
 * (the mail parser, the mail renderer). */
void cs_mail__init(void);
/* The readable text of an HTML document in UTF-8 (libxml2's parser): blocks on lines of
 * their own, links with their targets, blockquotes as "> " lines. */
int cs_mail__html_text(char **out, const char *html, size_t len);
/* Separate a mail's text into the new text, the quoted history (from the attribution line
 * or Outlook's header block on) and the signature ("-- ", a mobile sign-off). *body is
 * never NULL on success (the whole text when nothing new stands above the rest); the others
 * are NULL when absent. */
int cs_mail__split(char **body, char **quoted, char **signature, const char *text);

#endif
