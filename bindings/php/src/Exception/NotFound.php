<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** ENOTFOUND: the object does not exist, or the actor may not see it. */
class NotFound extends LibcsException
{
}
