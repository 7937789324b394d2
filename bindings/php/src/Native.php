<?php

declare(strict_types=1);

namespace Libcs;

use FFI;
use Libcs\Exception\LibraryNotLoaded;

/**
 * Loading libcs through FFI: the header, the library, and the preloaded scope.
 *
 * The C surface of the binding is libcs.h beside this package; everything else goes
 * through cs_call(). The first of these is used:
 *
 * 1. the FFI scope "LIBCS", when php.ini preloads it (ffi.preload, or FFI::load() in an
 *    opcache.preload script: see preload.php and docs/php.md);
 * 2. FFI::cdef() with libcs.h and the library found by {@see Native::libraryPath()}.
 *
 * @internal The binding's own plumbing; applications use {@see Database}.
 */
final class Native
{
    /** The scope's name, as libcs.h's FFI_SCOPE line gives it. */
    public const SCOPE = 'LIBCS';
    /** The library's file name (its soname) as the dynamic loader knows it. */
    public const SONAME = 'libcs.so.1';

    /** enum cs_open_flags in cs/db.h (checked by tests/php.sh). */
    public const OPEN_READWRITE = 0;
    public const OPEN_CREATE = 1;
    public const OPEN_READONLY = 2;
    public const OPEN_RELAXED = 4;
    /** enum cs_actor_kind in cs/db.h (checked by tests/php.sh). */
    public const ACTOR_SYSTEM = 0;
    public const ACTOR_AGENT = 1;
    public const ACTOR_CUSTOMER = 2;

    private static ?FFI $ffi = null;

    /** The loaded library: the preloaded scope, else libcs.h through FFI::cdef(). */
    public static function ffi(): FFI
    {
        return self::$ffi ??= self::load();
    }

    /** The full path of libcs.h, the header this binding declares the library with. */
    public static function headerPath(): string
    {
        return dirname(__DIR__) . '/libcs.h';
    }

    /**
     * Where the library is: $LIBCS_LIBRARY, a libcs build tree above this package
     * (_build/.libs or .libs), else the soname for the dynamic loader to find.
     */
    public static function libraryPath(): string
    {
        $explicit = getenv('LIBCS_LIBRARY');
        if (is_string($explicit) && $explicit !== '') {
            return $explicit;
        }
        for ($dir = __DIR__; ; $dir = $parent) {
            foreach (['_build/.libs', '.libs'] as $libs) {
                $candidate = "$dir/$libs/" . self::SONAME;
                if (is_file($candidate)) {
                    return $candidate;
                }
            }
            $parent = dirname($dir);
            if ($parent === $dir) {
                return self::SONAME;
            }
        }
    }

    /**
     * Declare libcs in an opcache.preload script, so that requests find it as the scope
     * "LIBCS" (docs/php.md). Nothing to do when ffi.preload already declared it.
     *
     * FFI::load() reads the library from the header's FFI_LIB line, so for a library that
     * is not on the loader's path a copy of libcs.h naming it is written to the temporary
     * directory first.
     */
    public static function preload(): void
    {
        if (self::scope() !== null) {
            return;
        }
        $header = self::headerPath();
        $library = self::libraryPath();
        if ($library !== self::SONAME) {
            $header = self::headerCopy($library);
        }
        try {
            $loaded = FFI::load($header);
        } finally {
            if ($header !== self::headerPath()) {
                unlink($header);
            }
        }
        if ($loaded === null) {
            throw new LibraryNotLoaded("libcs: FFI::load() failed for $library");
        }
    }

    /** libcs.h's declarations for FFI::cdef(), which reads no # lines. */
    public static function declarations(): string
    {
        $text = file_get_contents(self::headerPath());
        if ($text === false) {
            throw new LibraryNotLoaded('libcs: cannot read ' . self::headerPath());
        }
        return (string) preg_replace('/^#.*$/m', '', $text);
    }

    private static function load(): FFI
    {
        $scope = self::scope();
        if ($scope !== null) {
            return $scope;
        }
        $library = self::libraryPath();
        try {
            return FFI::cdef(self::declarations(), $library);
        } catch (\FFI\Exception $e) {
            throw new LibraryNotLoaded(
                "libcs: cannot load $library ({$e->getMessage()}); set LIBCS_LIBRARY to the "
                . 'full path of libcs.so, or preload it with ffi.enable=preload (docs/php.md)',
                0,
                $e
            );
        }
    }

    /** The preloaded scope, or null when php.ini did not preload libcs. */
    private static function scope(): ?FFI
    {
        try {
            return FFI::scope(self::SCOPE);
        } catch (\FFI\Exception) {
            return null;
        }
    }

    /** A private copy of libcs.h whose FFI_LIB line names $library. */
    private static function headerCopy(string $library): string
    {
        $text = file_get_contents(self::headerPath());
        $path = tempnam(sys_get_temp_dir(), 'libcs-h');
        if ($text === false || $path === false) {
            throw new LibraryNotLoaded('libcs: cannot write a copy of libcs.h for ' . $library);
        }
        $line = '#define FFI_LIB ' . json_encode($library, JSON_UNESCAPED_SLASHES);
        file_put_contents($path, (string) preg_replace('/^#define FFI_LIB .*$/m', $line, $text));
        return $path;
    }
}
