<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EEXISTS: a unique value (identity, number, name) is already taken. */
class AlreadyExists extends LibcsException
{
}
