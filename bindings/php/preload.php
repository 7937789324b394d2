<?php

// For opcache.preload (php-fpm, or any server SAPI with ffi.enable=preload): compiles the
// binding's classes into every worker and declares libcs as the FFI scope "LIBCS" with
// FFI::load(), unless ffi.preload already did. Code running in preloaded classes may use
// FFI under ffi.enable=preload; request scripts then need no FFI rights of their own.
// See docs/php.md.

declare(strict_types=1);

require_once __DIR__ . '/autoload.php';

$classes = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__ . '/src'));
foreach ($classes as $file) {
    if ($file->isFile() && $file->getExtension() === 'php') {
        require_once $file->getPathname();
    }
}

Libcs\Native::preload();
