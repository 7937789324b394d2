<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** ENOMEM: the library ran out of memory. */
class OutOfMemory extends LibcsException
{
}
