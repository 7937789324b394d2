<?php

// The PSR-4 autoloader for Libcs\ without Composer: require this file, then use the
// classes (composer.json maps the same namespace to src/ for Composer users).

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'Libcs\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
