<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EBUSY: the database stayed locked past the busy timeout. */
class Busy extends LibcsException
{
}
