<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EREADONLY: the database was opened read-only. */
class ReadOnlyDatabase extends LibcsException
{
}
