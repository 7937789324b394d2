<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** ECONFLICT: the change conflicts with the object's state. */
class Conflict extends LibcsException
{
}
