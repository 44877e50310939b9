#ifndef NIGHTSHIFT_CARCHIVE_SHIM_H
#define NIGHTSHIFT_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <pthread.h>
#ifdef __APPLE__
#include <xlocale.h>
#endif

/// The `AE_IF*` constants are cast macros, which Swift does not import: one classifier instead.
/// Returns 1 for a regular file, 2 for a directory, 3 for a symbolic link, 4 for a hard link, 5 for a FIFO, 6 for a
/// character device, 7 for a block device, 8 for a socket, 0 for anything else.
static inline int nightshift_archive_entry_kind(struct archive_entry *entry) {
    if (archive_entry_hardlink(entry) != NULL) return 4;
    switch (archive_entry_filetype(entry)) {
    case AE_IFREG: return 1;
    case AE_IFDIR: return 2;
    case AE_IFLNK: return 3;
    case AE_IFIFO: return 5;
    case AE_IFCHR: return 6;
    case AE_IFBLK: return 7;
    case AE_IFSOCK: return 8;
    default: return 0;
    }
}

/// libarchive converts entry names to the current locale's charset, and a process that never called setlocale is
/// in the ASCII "C" locale, where every non-ASCII name fails to convert. These switch only the calling thread to
/// a UTF-8 character type around libarchive calls, leaving the process locale alone.
static pthread_once_t nightshift_archive_locale_once = PTHREAD_ONCE_INIT;
static locale_t nightshift_archive_locale_utf8 = (locale_t)0;
static void nightshift_archive_locale_init(void) {
    nightshift_archive_locale_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (nightshift_archive_locale_utf8 == (locale_t)0)
        nightshift_archive_locale_utf8 = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
}
/// Switches the calling thread to UTF-8; returns what to pass to `nightshift_archive_locale_restore`.
static inline locale_t nightshift_archive_locale_enter(void) {
    pthread_once(&nightshift_archive_locale_once, nightshift_archive_locale_init);
    if (nightshift_archive_locale_utf8 == (locale_t)0) return (locale_t)0;
    return uselocale(nightshift_archive_locale_utf8);
}
/// Puts back the thread's previous locale.
static inline void nightshift_archive_locale_restore(locale_t previous) {
    if (previous != (locale_t)0) uselocale(previous);
}
#endif
