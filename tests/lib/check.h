/*
 * Checks for the project's C tests: a failed check prints where and why,
 * then exits 1 (atexit handlers run, so a test's children are reaped).
 */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#define CHECK(cond) ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond))
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			check_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_,  \
				#b, b_);                                                           \
		}                                                                                  \
	} while (0)

void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* A "# ..." diagnostic line on stderr. */
void check_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
