/* date.c: POSIX time as an IMF-fixdate (RFC 9110 section 5.6.7), the form of the Date header. */
#include "lib/http/http_internal.h"

/* Seconds from 1970-01-01 to 0000-01-01 and to 10000-01-01 (proleptic Gregorian), the years four digits spell. */
#define SECONDS_YEAR_0 (-62167219200LL)
#define SECONDS_YEAR_10000 (253402300800LL)

static void two_digits(char *out, unsigned value)
{
    out[0] = (char)('0' + value / 10);
    out[1] = (char)('0' + value % 10);
}

bool http_format_date(int64_t seconds, char out[HTTP_DATE_SIZE])
{
    static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (seconds < SECONDS_YEAR_0 || seconds >= SECONDS_YEAR_10000) {
        return false;
    }
    /* Floor division, so times before 1970 land on the day they fall in. */
    int64_t day = seconds / 86400;
    int64_t second_of_day = seconds % 86400;
    if (second_of_day < 0) {
        second_of_day += 86400;
        day--;
    }
    int64_t weekday = day % 7; /* 1970-01-01 was a Thursday */
    if (weekday < 0) {
        weekday += 7;
    }
    /* The civil date from a day count, with years starting on 1 March so the leap day ends a year: eras of 400
     * years (146,097 days) repeat exactly. */
    int64_t shifted = day + 719468; /* days from 0000-03-01 */
    int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
    int64_t day_of_era = shifted - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153; /* 0 is March */
    unsigned day_of_month = (unsigned)(day_of_year - (153 * month_index + 2) / 5 + 1);
    unsigned month = (unsigned)(month_index < 10 ? month_index + 3 : month_index - 9);
    int64_t year = year_of_era + era * 400 + (month <= 2);

    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    for (unsigned k = 0; k < 3; k++) {
        out[k] = days[weekday][k];
        out[8 + k] = months[month - 1][k];
    }
    out[3] = ',';
    out[4] = ' ';
    two_digits(out + 5, day_of_month);
    out[7] = ' ';
    out[11] = ' ';
    two_digits(out + 12, (unsigned)(year / 100));
    two_digits(out + 14, (unsigned)(year % 100));
    out[16] = ' ';
    two_digits(out + 17, (unsigned)(second_of_day / 3600));
    out[19] = ':';
    two_digits(out + 20, (unsigned)(second_of_day / 60 % 60));
    out[22] = ':';
    two_digits(out + 23, (unsigned)(second_of_day % 60));
    out[25] = ' ';
    out[26] = 'G';
    out[27] = 'M';
    out[28] = 'T';
    out[29] = '\0';
    return true;
}
