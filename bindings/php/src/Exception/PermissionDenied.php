<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EPERM: the actor set on the database may not do this. */
class PermissionDenied extends LibcsException
{
}
