<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** libcs could not be loaded: not found, or FFI not enabled for this script (docs/php.md). */
class LibraryNotLoaded extends \RuntimeException
{
}
