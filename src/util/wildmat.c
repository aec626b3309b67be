/*
 * NAME
 *	wildmat - VMS-style wildcard matching (see wildmat.h)
 */
#include <ctype.h>
#include <string.h>
#include "wildmat.h"

static int wild_eq(int a, int b, int caseblind)
{
    if (caseblind)
	return toupper((unsigned char) a) == toupper((unsigned char) b);
    return a == b;
}

int     wild_match(const char *pat, const char *text, int caseblind)
{
    const char *star = NULL, *resume = NULL;

    while (*text) {
	if (*pat == '*') {
	    star = pat++;
	    resume = text;
	} else if (*pat && (*pat == '%' || *pat == '?' || wild_eq(*pat, *text, caseblind))) {
	    pat++;
	    text++;
	} else if (star) {
	    pat = star + 1;
	    text = ++resume;
	} else
	    return 0;
    }
    while (*pat == '*')
	pat++;
    return *pat == 0;
}

int     wild_has(const char *pattern)
{
    return strpbrk(pattern, "*%?") != NULL;
}
